"""The table parser on grids (DOCX, HTML, spreadsheets): merged cells repeated, headers, blanks, split tables.

Grids are built by hand here, the way a reader returns them (spans expanded: a merged cell's text in
every position it covers); labels come from the template declaration.
"""

from extract.document import Document, Grid
from extract.tables import parse_tables
from extract.template import load_template

T = load_template("2021")
APPS = T.tables["applications"]
ART20 = T.tables["art20"]
REVIEW = T.tables["review_litigation"]
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def value_of(table: str, r: int, c: int) -> int:
    return (r * 7 + c * 3 + len(table)) % 11


def label_cells(label: str) -> list[str]:
    """Three label columns, forward-filled as a reader expands row and column spans."""
    parts = label.split("/")
    return (parts * 3)[:3] if len(parts) == 1 else [parts[0], *(parts[1:] * 2)][:3] if len(parts) == 2 else parts


def applications_header() -> list[list[str]]:
    orgs = [c.label for c in APPS.cols[1:6]]
    return [
        [NOTE] * 3 + ["申请人情况"] * 6 + ["总计"],
        [NOTE] * 3 + ["自然人"] + ["法人或其他组织"] * 5 + ["总计"],
        [NOTE] * 3 + ["自然人", *orgs, "总计"],
    ]


def applications_rows(text=str) -> list[list[str]]:
    return [
        label_cells(row.label) + [text(value_of("applications", r, c)) for c in range(7)]
        for r, row in enumerate(APPS.rows)
    ]


def review_grid() -> Grid:
    tops = [c.label.split("/") for c in REVIEW.cols]
    return Grid(
        [
            [p[0] for p in tops],
            [p[1] if len(p) == 3 else p[0] for p in tops],
            [p[-1] for p in tops],
            [str(value_of("review_litigation", 0, c)) for c in range(15)],
        ]
    )


def art20_rows_one_grid() -> list[list[str]]:
    rows = []
    for block in ART20.blocks:
        cols = [c.label for c in block.cols]
        rows.append([block.item] * 4)
        rows.append(["信息内容", *(cols * 3)[:3]] if len(cols) == 1 else ["信息内容", *cols])
        for r, row in enumerate(block.rows):
            values = [str(value_of(block.key, r, c)) for c in range(len(cols))]
            rows.append([row.label, *(values * 3)[:3]])
    return rows


def art20_grids_four() -> list[Grid]:
    grids = []
    for block in ART20.blocks:
        rows = [["信息内容", *[c.label for c in block.cols]]]
        for r, row in enumerate(block.rows):
            rows.append([row.label, *[str(value_of(block.key, r, c)) for c in range(len(block.cols))]])
        grids.append(Grid([[block.item] * len(rows[0]), *rows]))
    return grids


def cells_of(doc: Document) -> dict:
    result = parse_tables(doc, T)
    return {(c["table"], c["row"], c["col"]): c["value"] for c in result.cells}, result


def expected_applications() -> dict:
    return {
        ("applications", row.label, col.label): value_of("applications", r, c)
        for r, row in enumerate(APPS.rows)
        for c, col in enumerate(APPS.cols)
    }


def expected_art20() -> dict:
    return {
        ("art20", row.label, col.label): value_of(block.key, r, c)
        for block in ART20.blocks
        for r, row in enumerate(block.rows)
        for c, col in enumerate(block.cols)
    }


def test_merged_cells_repeated_in_every_position_read_as_one_label():
    doc = Document("text/html", "html", tables=[Grid(applications_header() + applications_rows())])
    got, result = cells_of(doc)
    assert {k: v for k, v in got.items() if k[0] == "applications"} == expected_applications()
    assert not [w for w in result.warnings if w["table"] == "applications"]


def test_art20_as_one_grid_with_merged_value_cells():
    doc = Document("text/html", "html", tables=[Grid(art20_rows_one_grid())])
    got, _ = cells_of(doc)
    assert {k: v for k, v in got.items() if k[0] == "art20"} == expected_art20()


def test_art20_as_four_grids():
    doc = Document("application/docx", "docx", tables=art20_grids_four())
    got, _ = cells_of(doc)
    assert {k: v for k, v in got.items() if k[0] == "art20"} == expected_art20()


def test_all_three_tables_with_the_review_header_rows():
    grids = [*art20_grids_four(), Grid(applications_header() + applications_rows()), review_grid()]
    got, result = cells_of(Document("application/docx", "docx", tables=grids))
    review = {("review_litigation", REVIEW.rows[0].label, c.label): value_of("review_litigation", 0, i)
              for i, c in enumerate(REVIEW.cols)}
    assert got == {**expected_art20(), **expected_applications(), **review}
    assert len(got) == 200
    assert result.warnings == []


def test_a_table_split_across_pages_continues_in_the_second_grid():
    rows = applications_rows()
    first = Grid(applications_header() + rows[:11], page=1)
    second = Grid(rows[11:], page=2)
    doc = Document("application/pdf", "pdf-text", tables=[first, second])
    got, result = cells_of(doc)
    assert {k: v for k, v in got.items() if k[0] == "applications"} == expected_applications()
    pages = {c["row_key"]: c["page"] for c in result.cells if c["table"] == "applications"}
    assert pages["new_received"] == 1 and pages["carried_forward"] == 2


def test_th_header_rows_and_labels_with_line_breaks_and_spaces():
    header = applications_header()
    header[2] = [NOTE] * 3 + ["自然\n人", "商业\n企业", "科研 机构", "社会公益\n组织", "法律服务\n机构", "其他", "总计"]
    rows = applications_rows()
    rows[3][1] = rows[3][2] = "(二) 部分公开\n(区分处理的, 只计这一情形, 不计其他情形)"
    rows[13][2] = "2. 没有现成信息\n需要另行制作"
    got, _ = cells_of(Document("text/html", "html", tables=[Grid(header + rows)]))
    assert {k: v for k, v in got.items() if k[0] == "applications"} == expected_applications()


def test_slash_dash_and_blank_cells_are_absent_with_a_reason_not_zero():
    rows = art20_rows_one_grid()
    rows[2] = ["规章", "/", "—", ""]
    got, result = cells_of(Document("text/html", "html", tables=[Grid(rows)]))
    assert not [k for k in got if k[1] == "规章"]
    blank = {w["col"]: w["reason"] for w in result.warnings if w["code"] == "cell_blank" and w["row"] == "规章"}
    assert blank == {"本年制发件数": "not_applicable", "本年废止件数": "dash", "现行有效件数": "blank"}
    missing = [w for w in result.warnings if w["code"] == "cell_missing" and w["row"] == "规章"]
    assert missing and len(missing[0]["cols"]) == 3
    assert got[("art20", "行政规范性文件", "本年制发件数")] == value_of("art20_1", 1, 0)


def test_thousands_separators_and_the_fee_as_a_decimal():
    rows = applications_rows(lambda v: f"{v * 1000:,}")
    fee_rows = [["第二十条第（八）项"] * 2, ["信息内容", "本年收费金额（单位：万元）"],
                ["行政事业性收费", "1,642.4600"]]
    got, _ = cells_of(Document("text/html", "html", tables=[Grid(fee_rows), Grid(applications_header() + rows)]))
    assert got[("applications", APPS.rows[0].label, "总计")] == value_of("applications", 0, 6) * 1000
    fee = got[("art20", "行政事业性收费", "本年收费金额（单位：万元）")]
    assert fee == 1642.46 and isinstance(fee, float)


def test_a_missing_row_is_absent_with_a_warning_never_invented():
    rows = applications_rows()
    del rows[5]  # 2.其他法律行政法规禁止公开
    got, result = cells_of(Document("text/html", "html", tables=[Grid(applications_header() + rows)]))
    label = APPS.rows[5].label
    assert not [k for k in got if k[1] == label]
    assert any(w["code"] == "cell_missing" and w["row"] == label for w in result.warnings)
    assert len([k for k in got if k[0] == "applications"]) == 24 * 7


def test_blank_header_cells_before_the_review_values_are_not_values():
    grid = review_grid()
    grid.rows[0] = ["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9
    got, result = cells_of(Document("text/html", "html", tables=[grid]))
    review = {k[2]: v for k, v in got.items() if k[0] == "review_litigation"}
    assert review == {c.label: value_of("review_litigation", 0, i) for i, c in enumerate(REVIEW.cols)}
    assert not [c for c in result.cells if c["uncertain"]]


def test_a_blank_first_review_cell_stays_in_its_column():
    grid = review_grid()
    grid.rows[3][0] = ""
    got, result = cells_of(Document("text/html", "html", tables=[grid]))
    review = {k[2]: v for k, v in got.items() if k[0] == "review_litigation"}
    assert "行政复议/结果维持" not in review
    assert review["行政复议/结果纠正"] == value_of("review_litigation", 0, 1)
    assert any(w["code"] == "cell_blank" and w["col"] == "行政复议/结果维持" for w in result.warnings)


def test_an_added_subtotal_column_is_skipped_by_its_header():
    header = [[*row[:9], "小计" if r == 2 else row[8], *row[9:]] for r, row in enumerate(applications_header())]
    rows = [[*row[:9], "99", *row[9:]] for row in applications_rows()]
    got, result = cells_of(Document("text/html", "html", tables=[Grid(header + rows)]))
    assert {k: v for k, v in got.items() if k[0] == "applications"} == expected_applications()
    assert not [w for w in result.warnings if w["code"] == "extra_values"]
