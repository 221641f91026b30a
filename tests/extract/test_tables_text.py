"""The table parser on text lines: PDF text shapes and tab-separated rows (TEMPLATE.md §2.7)."""

from extract.document import Document, Line
from extract.tables import parse_tables
from extract.template import load_template

T = load_template("2021")
APPS = T.tables["applications"]


def values(r: int) -> list[str]:
    return [str((r * 5 + c * 2) % 9) for c in range(6)] + [str(sum((r * 5 + c * 2) % 9 for c in range(6)))]


def expected(rows=None) -> dict:
    wanted = {}
    for r, row in enumerate(APPS.rows):
        if rows is not None and r not in rows:
            continue
        for c, col in enumerate(APPS.cols):
            wanted[("applications", row.label, col.label)] = int(values(r)[c])
    return wanted


def parse(lines: list[str]):
    doc = Document("text/plain", "text", lines=[Line(t) for t in lines])
    result = parse_tables(doc, T)
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in result.cells if c["table"] == "applications"}
    return got, result


def header() -> list[str]:
    return ["三、收到和处理政府信息公开申请情况", "申请人情况", "自然", "人", "总计商业", "企业", "科研", "机构",
            "社会", "公益", "组织", "法律", "服务", "机构", "其他"]


def wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def pdf_lines(shape_of) -> list[str]:
    """Table 三 as PDF text: group labels broken into fragments, each row in the shape `shape_of(r)` gives."""
    lines = header()
    seen: list[str] = []
    for r, row in enumerate(APPS.rows):
        *groups, leaf = row.label.split("/")
        for group in groups:
            if group not in seen:
                seen.append(group)
                lines.extend(wrap(group, 3))
        lines.extend(shape_of(r)(leaf, values(r)))
    return [*lines, "四、政府信息公开行政复议、行政诉讼情况"]


def one_line(leaf, vals):
    return [f"{leaf} {' '.join(vals)}"]


def wrapped_then_numbers(leaf, vals):
    return [*wrap(leaf, 12), " ".join(vals[:6]), vals[6]]


def numbers_on_middle_line(leaf, vals):
    parts = wrap(leaf, max(3, len(leaf) // 3 + 1))
    if len(parts) < 3:
        return one_line(leaf, vals)
    return [parts[0], f"{parts[1]} {' '.join(vals)}", *parts[2:]]


def test_pdf_shapes_wrapped_labels_and_a_wrapped_seventh_value():
    shapes = [one_line, wrapped_then_numbers, numbers_on_middle_line]
    got, result = parse(pdf_lines(lambda r: shapes[r % 3]))
    assert got == expected()
    assert not [c for c in result.cells if c["table"] == "applications" and c["uncertain"]]


def test_numbers_on_the_middle_line_of_every_long_label():
    got, _ = parse(pdf_lines(lambda r: numbers_on_middle_line))
    assert got == expected()


def test_group_label_fragments_between_the_pieces_of_a_row_label():
    lines = header()
    lines += [f"一、本年新收政府信息公开申请数量 {' '.join(values(0))}",
              f"二、上年结转政府信息公开申请数量 {' '.join(values(1))}",
              f"三、本年度 （一）予以公开 {' '.join(values(2))}",
              f"办理结果 （二）部分公开（区分处理 {' '.join(values(3))}",
              "的，只计这一情形，不计其", "他情形）",
              f"（三）不予 1.属于国家 {' '.join(values(4))}", "公开 秘密"]
    got, _ = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected(rows={0, 1, 2, 3, 4})


def test_tab_rows_take_values_after_the_label_whatever_the_leading_tabs():
    lines = header()[:1]
    for r, row in enumerate(APPS.rows):
        leaf = row.label.split("/")[-1]
        lead = "\t" * (r % 3)
        pad = "\t" * (r % 2)
        lines.append(f"{lead}{leaf}{pad}\t" + "\t".join(values(r)) + "\t" * (r % 4))
    got, _ = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected()


def test_a_label_written_2_for_the_ordinal_and_a_typo_still_map():
    lines = header()[:1]
    for r, row in enumerate(APPS.rows):
        leaf = row.label.split("/")[-1]
        leaf = {3: "2.部分公开(区分处理的,只计这一情形,不计其他情形)", 7: "4.保护第三方合法权义"}.get(r, leaf)
        lines.append(f"{leaf} {' '.join(values(r))}")
    got, result = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected()
    uncertain = {c["row_key"] for c in result.cells if c["uncertain"]}
    assert uncertain == {"denied_third_party"}
    typo = next(c for c in result.cells if c["row_key"] == "denied_third_party")
    assert typo["label_raw"] == "4.保护第三方合法权义"


def test_a_row_with_too_few_numbers_is_left_absent_not_guessed():
    lines = header()[:1] + [f"{row.label.split('/')[-1]} {' '.join(values(r))}" for r, row in enumerate(APPS.rows)]
    lines[1] = f"一、本年新收政府信息公开申请数量 {' '.join(values(0)[:5])}"
    got, result = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected(rows=set(range(1, 25)))
    assert any(w["code"] == "row_incomplete" and w["row"] == APPS.rows[0].label for w in result.warnings)


def test_numbers_whose_label_was_lost_are_placed_by_template_order_and_marked_uncertain():
    lines = header()[:1] + [f"{row.label.split('/')[-1]} {' '.join(values(r))}" for r, row in enumerate(APPS.rows)]
    lines[1 + 9] = " ".join(values(9))  # 6.属于四类过程性信息: the numbers without their label
    got, result = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected()
    assert {c["row_key"] for c in result.cells if c["uncertain"]} == {"denied_process_info"}
    assert any(w["code"] == "row_by_order" for w in result.warnings)


def test_prose_numbers_after_a_table_are_not_cells():
    lines = header()[:1] + [f"{row.label.split('/')[-1]} {' '.join(values(r))}" for r, row in enumerate(APPS.rows)]
    lines.append("2023 年，本机关共收到申请 12 件，办结率 100 %。")
    got, result = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == expected()
    assert not [w for w in result.warnings if w["code"] == "extra_values"]


def test_labels_and_numbers_read_column_by_column_give_no_cells_rather_than_wrong_ones():
    lines = header()[:1] + [row.label.split("/")[-1] for row in APPS.rows]
    lines += [" ".join(values(r)) for r in range(len(APPS.rows))]
    got, result = parse([*lines, "四、政府信息公开行政复议、行政诉讼情况"])
    assert got == {}
    assert any(w["code"] == "table_layout_unreadable" for w in result.warnings)


def test_the_review_row_wrapped_over_two_lines_is_one_row():
    review = T.tables["review_litigation"]
    numbers = [str(i % 4) for i in range(15)]
    lines = ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 行政诉讼", "结果 结果 其他 尚未 总计",
             " ".join(numbers[:10]), " ".join(numbers[10:]), "五、存在的主要问题及改进情况"]
    doc = Document("text/plain", "text", lines=[Line(t) for t in lines])
    result = parse_tables(doc, T)
    cells = [c for c in result.cells if c["table"] == "review_litigation"]
    assert [c["value"] for c in cells] == [int(x) for x in numbers]
    assert [c["col"] for c in cells] == [c.label for c in review.cols]
    assert not [c for c in cells if c["uncertain"]]


def test_page_numbers_inside_a_table_are_not_values():
    rows = [f"{row.label.split('/')[-1]} {' '.join(values(r))}" for r, row in enumerate(APPS.rows)]
    lines = [Line(t, 1) for t in header()[:1] + rows[:12]] + [Line("- 1 -", 1), Line("第 2 页 共 3 页", 2)]
    lines += [Line(t, 2) for t in rows[12:]] + [Line("四、政府信息公开行政复议、行政诉讼情况", 2)]
    result = parse_tables(Document("application/pdf", "pdf-text", lines=lines), T)
    got = {(c["table"], c["row"], c["col"]): c["value"] for c in result.cells if c["table"] == "applications"}
    assert got == expected()
    assert not [w for w in result.warnings if w["code"] == "extra_values"]
