"""Template by content (2021, 2019, legacy), the identities as checks, soft findings as warnings."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.checks import (
    _NARRATIVE_APPLICATIONS,
    _NARRATIVE_REVIEW,
    _NO_REVIEW,
    _narrative_labels,
    evaluate,
    instances,
    narrative_warnings,
    statistics,
)
from extract.document import Document, Line
from extract.pipeline import extract_document, extract_path
from extract.template import load_template

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE_002 = FIXTURES / "reports" / "002_350fbfc8d48350cb.txt"


def record_of_text(text: str) -> dict:
    doc = Document("text/plain", "text", lines=[Line(t) for t in text.split("\n")])
    return extract_document(doc, {"path": "inline.txt"})


def test_a_2019_report_is_parsed_with_the_2019_labels():
    record = extract_path(FIXTURES / "extract" / "2019_statistics_bureau.txt")
    assert record["template"] == "2019"
    assert (record["year"], record["body"]) == (2019, "某某市统计局")
    declared = {(c.table, c.row, c.col) for c in load_template("2019").cells}
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in record["cells"]}
    assert set(got) == declared
    assert len(got) == 198
    assert got[("art20", "规范性文件", "对外公开总数量")] == 27
    assert got[("art20", "行政许可", "本年增/减")] == 3
    assert got[("art20", "其他对外管理服务事项", "本年增/减")] == -2
    assert got[("art20", "行政许可", "处理决定数量")] == 1036
    assert got[("applications", "三、本年度办理结果/（六）其他处理", "总计")] == 0
    assert got[("review_litigation", "政府信息公开行政复议、行政诉讼情况", "行政复议/总计")] == 2
    assert not any("本年制发件数" in c["col"] for c in record["cells"])


def test_a_2019_unit_in_a_cell_is_read_and_warned():
    record = extract_path(FIXTURES / "extract" / "2019_statistics_bureau.txt")
    amount = next(c for c in record["cells"] if c["col"] == "采购总金额")
    assert amount["value"] == 251000.0
    assert [w["code"] for w in record["warnings"]] == ["unit_in_cell"]
    assert all(check["holds"] for check in record["checks"])
    assert {c["rule"] for c in record["checks"]} == {"H1", "H2", "H3", "H4.review", "H4.lit_direct",
                                                       "H4.lit_after_review"}


def test_a_legacy_report_keeps_text_and_sections_and_has_no_cells():
    record = extract_path(FIXTURES / "extract" / "legacy_2012_bureau.txt")
    assert record["template"] == "legacy"
    assert record["cells"] == [] and record["checks"] == []
    assert record["year"] == 2012
    assert [s["heading"] for s in record["sections"]][:2] == ["一、概述", "二、主动公开政府信息情况"]
    assert "同意公开答复数" in record["text"]


def test_a_text_that_is_no_report_is_unknown():
    record = record_of_text("关于召开年度工作会议的通知\n各科室：定于下周一召开会议。")
    assert record["template"] == "unknown"
    assert record["cells"] == []


def test_numbers_that_violate_h1_fail_the_check_and_are_kept():
    text = SAMPLE_002.read_text(encoding="utf-8")
    broken = text.replace("一、本年新收政府信息公开申请数量\t\t3\t0\t0\t0\t0\t0\t3",
                          "一、本年新收政府信息公开申请数量\t\t5\t0\t0\t0\t0\t0\t5")
    assert broken != text
    record = record_of_text(broken)
    new = {c["col"]: c["value"] for c in record["cells"] if c["row_key"] == "new_received"}
    assert new["自然人"] == 5 and new["总计"] == 5
    failed = [(c["rule"], c["over"]) for c in record["checks"] if not c["holds"]]
    assert failed == [("H1", "自然人"), ("H1", "总计")]
    h1 = next(c for c in record["checks"] if c["rule"] == "H1" and c["over"] == "自然人")
    assert (h1["lhs"], h1["rhs"]) == (5, 3)
    assert h1["terms"]["一、本年新收政府信息公开申请数量"] == 5


def test_the_narrative_quoting_another_number_than_the_table_is_a_warning_not_a_check():
    quoted = "共受理政府信息公开依申请公开 {} 件"
    text = SAMPLE_002.read_text(encoding="utf-8").replace(quoted.format(3), quoted.format(7))
    record = record_of_text(text)
    assert all(check["holds"] for check in record["checks"])
    mismatch = [w for w in record["warnings"] if w["code"] == "narrative_mismatch"]
    assert len(mismatch) == 1 and mismatch[0]["quoted"] == 7 and mismatch[0]["table_total"] == 3


def test_a_missing_cell_leaves_its_identities_unevaluated_with_a_warning():
    text = SAMPLE_002.read_text(encoding="utf-8").replace("二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0",
                                                           "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t/")
    record = record_of_text(text)
    assert not [c for c in record["cells"] if c["row_key"] == "carried_over" and c["col_key"] == "total"]
    codes = {w["code"] for w in record["warnings"]}
    assert {"cell_blank", "cell_missing", "check_incomplete"} <= codes
    assert not [c for c in record["checks"] if c["rule"] == "H1" and c["over"] == "总计"]


def test_the_narrative_saying_no_review_while_table_four_has_some_is_a_warning():
    text = (FIXTURES / "reports" / "001_cad4fa3e014eb2f3.txt").read_text(encoding="utf-8")
    quiet = record_of_text(text)
    assert not [w for w in quiet["warnings"] if w["code"] == "narrative_mismatch"]
    text = text.replace("(五)、监督保障：", "(五)、监督保障：全年未发生因政府信息公开引发的行政复议。")
    text = text.replace("0\t0\t0\t0\t0\t0\t1\t0\t0\t1\t0\t0\t0\t0\t0", "1\t0\t0\t0\t1\t0\t1\t0\t0\t1\t0\t0\t0\t0\t0")
    record = record_of_text(text)
    mismatch = [w for w in record["warnings"] if w["code"] == "narrative_mismatch"]
    assert [(w["about"], w["quoted"], w["table_total"]) for w in mismatch] == [("行政复议", 0, 1)]


def _narrative_warnings_cells_first(template, cells, overview):
    """narrative_warnings as first written: the cells' totals read before the overview is searched."""
    total_col, rows, review_col = _narrative_labels(template)
    totals, review_total, review_found = {}, None, False
    for c in cells:
        if c["table"] == "applications" and c["col"] == total_col:
            totals[c["row"]] = c["value"]
        elif c["table"] == "review_litigation" and not review_found and c["col"] == review_col:
            review_total, review_found = c["value"], True
    new = totals.get(rows.get("new_received", ""))
    if new is None:
        return []
    allowed = {new, totals.get(rows.get("total_processed", "")), new + (totals.get(rows.get("carried_over", "")) or 0)}
    warnings = []
    if review_total is not None:
        quoted = [int(m.group(1)) for m in _NARRATIVE_REVIEW.finditer(overview)]
        quoted += [0] if _NO_REVIEW.search(overview) else []
        warnings = [{"code": "narrative_mismatch", "quoted": q, "table_total": review_total, "about": "行政复议",
                     "message": f"the text speaks of {q} administrative reviews but table 四 has {review_total}"}
                    for q in dict.fromkeys(quoted) if q != review_total]
    for match in _NARRATIVE_APPLICATIONS.finditer(overview):
        quoted = int(match.group(1).replace(",", ""))
        if quoted not in allowed - {None}:
            warnings.append({"code": "narrative_mismatch", "about": "依申请公开", "quoted": quoted,
                             "text": match.group(0), "table_total": new,
                             "message": f"the text says {match.group(0)!r} but table 三 has {new} new applications"})
    return warnings


_OVERVIEW_PIECES = ["共收到政府信息公开申请 12 件", "全年共处理依申请公开件数 3件", "被申请行政复议 2 件",
                    "行政复议 0 起", "未发生因政府信息公开引发的行政复议", "。", "本机关全年主动公开信息。", "1,2"]


def _narrative_cells(template, values):
    applications, review = template.tables["applications"], template.tables["review_litigation"]
    total_col = applications.cols[-1].label
    review_col = next(c.label for c in review.cols if c.key == "review.total")
    cells = [{"table": "applications", "row": row.label, "col": total_col, "value": v}
             for row, v in zip(applications.rows[:3], values[:3], strict=False) if v is not None]
    cells += [{"table": "review_litigation", "row": row.label, "col": review_col, "value": v}
              for row, v in zip(review.rows, values[3:], strict=False) if v is not None]
    return cells


@given(st.lists(st.sampled_from(_OVERVIEW_PIECES), max_size=6).map("".join),
       st.lists(st.one_of(st.none(), st.integers(0, 15)), min_size=5, max_size=5), st.sampled_from(["2021", "2019"]))
@settings(max_examples=1000, deadline=None)
def test_the_narrative_warnings_are_those_of_reading_the_cells_first(overview, values, template_id):
    template = load_template(template_id)
    cells = _narrative_cells(template, values)
    assert narrative_warnings(template, cells, overview) == _narrative_warnings_cells_first(template, cells, overview)


def _evaluate_by_key(template, cells):
    """evaluate as first written: every instance's cells looked up by (table, row, col)."""
    values = {(c["table"], c["row"], c["col"]): c["value"] for c in cells}
    checks, skipped = [], []
    for inst in instances(template):
        keys = [key for _, key in inst.terms + inst.equals]
        if any(key not in values for key in keys):
            skipped.append(inst.identity.id)
            continue
        lhs, rhs = sum(values[key] for _, key in inst.terms), sum(values[key] for _, key in inst.equals)
        checks.append({"rule": inst.identity.id, "table": inst.identity.table, "over": inst.along,
                       "description": inst.identity.description, "holds": abs(lhs - rhs) <= 1e-6, "lhs": lhs,
                       "rhs": rhs, "terms": {label: values[key] for label, key in inst.terms + inst.equals}})
    if not (skipped and cells):
        return checks, []
    return checks, [{"code": "check_incomplete", "count": len(skipped), "rules": sorted(set(skipped)),
                     "message": f"{len(skipped)} identity instances not evaluated: cells missing"}]


@given(st.sampled_from(["2021", "2019"]), st.randoms(use_true_random=False), st.sampled_from(
    ["in order", "shuffled", "one missing", "one twice", "one unknown", "columns swapped", "table renamed"]))
@settings(max_examples=300, deadline=None)
def test_the_checks_are_those_of_looking_each_cell_up_by_its_labels(template_id, rng, arrangement):
    template = load_template(template_id)
    cells = [{"table": c.table, "row": c.row, "col": c.col, "value": rng.randint(0, 3)} for c in template.cells]
    if arrangement == "shuffled":
        rng.shuffle(cells)
    elif arrangement == "one missing":
        cells.pop(rng.randrange(len(cells)))
    elif arrangement == "one twice":
        cells.insert(rng.randrange(len(cells)), {**rng.choice(cells), "value": 9})
    elif arrangement == "one unknown":
        cells[rng.randrange(len(cells))] = {"table": "applications", "row": "另一行", "col": "总计", "value": 1}
    elif arrangement == "columns swapped":  # the rows in order, two cells of one row not
        i = rng.randrange(len(cells) - 1)
        if cells[i]["row"] == cells[i + 1]["row"]:
            cells[i], cells[i + 1] = cells[i + 1], cells[i]
    elif arrangement == "table renamed":  # the rows and columns in order, one cell in another table
        i = rng.randrange(len(cells))
        cells[i] = {**cells[i], "table": "art20" if cells[i]["table"] != "art20" else "applications"}
    assert evaluate(template, cells) == _evaluate_by_key(template, cells)


@given(st.sampled_from(["2021", "2019"]), st.randoms(use_true_random=False), st.booleans(),
       st.lists(st.sampled_from(_OVERVIEW_PIECES), max_size=6).map("".join))
@settings(max_examples=300, deadline=None)
def test_the_statistics_are_the_checks_and_the_narrative_warnings_of_the_cells(template_id, rng, shuffled, overview):
    template = load_template(template_id)
    cells = [{"table": c.table, "row": c.row, "col": c.col, "value": rng.randint(0, 12)} for c in template.cells]
    if shuffled:
        rng.shuffle(cells)
    expected = (*_evaluate_by_key(template, cells), _narrative_warnings_cells_first(template, cells, overview))
    assert statistics(template, cells, overview) == expected
    assert narrative_warnings(template, cells, overview) == expected[2]
