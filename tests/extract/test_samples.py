"""The three real sample reports: every one of the 200 cells right, identities, sections, title/year/body.

Expected values are in tests/fixtures/expected/<report>.json, written by reading each report by hand.
"""

import json
from pathlib import Path

import pytest

from extract.pipeline import extract_path
from extract.template import load_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = sorted(p.stem for p in (FIXTURES / "reports").glob("*.txt"))


def expected(name: str) -> dict:
    return json.loads((FIXTURES / "expected" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=SAMPLES)
def sample(request):
    return request.param, extract_path(FIXTURES / "reports" / f"{request.param}.txt"), expected(request.param)


def test_there_are_three_samples():
    assert len(SAMPLES) == 3


def test_every_one_of_the_200_cells_is_right(sample):
    _, record, want = sample
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in record["cells"]}
    wanted = {(c["table"], c["row"], c["col"]): c["value"] for c in want["cells"]}
    assert len(wanted) == 200
    assert got == wanted
    assert all(type(v) is int for (table, row, col), v in got.items() if "收费金额" not in col)


def test_cells_use_the_declared_labels_and_keys(sample):
    _, record, _ = sample
    template = load_template("2021")
    declared = {(c.table, c.row, c.col): (c.row_key, c.col_key) for c in template.cells}
    for cell in record["cells"]:
        assert declared[(cell["table"], cell["row"], cell["col"])] == (cell["row_key"], cell["col_key"])
        assert cell["method"] == "text"
        assert cell["uncertain"] is False


def test_expected_values_satisfy_every_identity_and_the_record_says_so(sample):
    _, record, _ = sample
    assert len(record["checks"]) == 7 + 7 + 25 + 3
    assert all(check["holds"] for check in record["checks"])
    h1 = next(c for c in record["checks"] if c["rule"] == "H1" and c["over"] == "总计")
    assert h1["lhs"] == h1["rhs"] == sum(h1["terms"][k] for k in list(h1["terms"])[:2])


def test_title_year_body_and_template(sample):
    _, record, want = sample
    assert (record["title"], record["year"], record["body"]) == (want["title"], want["year"], want["body"])
    assert record["template"] == "2021"
    assert record["scope"] == "本级"


def test_six_sections_in_order_with_their_text(sample):
    _, record, want = sample
    assert [s["heading"] for s in record["sections"]] == want["headings"]
    assert [s["number"] for s in record["sections"]] == [1, 2, 3, 4, 5, 6]
    assert all(s["text"] for s in record["sections"])
    assert "结转下年度继续办理" in record["sections"][2]["text"]


def test_a_clean_sample_has_no_warnings(sample):
    _, record, _ = sample
    assert record["warnings"] == []
    assert record["errors"] == []


def test_pdf_wraps_are_joined_in_the_text():
    record = extract_path(FIXTURES / "reports" / "000_db66c7502a480a75.txt")
    assert "通过开发区门户网站主动公开政府信息 2406条" in record["text"]
    assert "紧紧围绕党工委、管委会中心工作，坚持以公开为常态" in record["text"]
    overview = record["sections"][0]["text"]
    assert overview.startswith("2023年，党政办公室认真贯彻落实")


def test_the_typo_column_label_is_kept_as_found():
    record = extract_path(FIXTURES / "reports" / "001_cad4fa3e014eb2f3.txt")
    repealed = [c for c in record["cells"] if c["col"] == "本年废止件数"]
    assert {c["col_raw"] for c in repealed} == {"本年度止件数"}
    partial = next(c for c in record["cells"] if c["row_key"] == "partially_granted")
    assert partial["label_raw"] == "(二) 部分公开 (区分处理的, 只计这一情形, 不计其他情形)"


def test_row_labels_split_over_lines_are_found_whole():
    record = extract_path(FIXTURES / "reports" / "000_db66c7502a480a75.txt")
    raw = {c["row_key"]: c["label_raw"] for c in record["cells"] if c["table"] == "applications"}
    assert raw["other_fee_unpaid"] == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    assert raw["partially_granted"] == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
