"""Reports with random numbers written as text the way portals' files come out, parsed back exactly.

Two text shapes (TEMPLATE.md §2.7): PDF text without layout (labels broken over lines, the 7th value
wrapped, header tokens one per line) from tests/generate.py, and DOCX saved as text (tab-separated
rows, merged cells as empty cells, leading tabs that vary from row to row), written here. Reports
whose numbers break an identity must come back with the failing check and the numbers as written.
"""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_bytes
from tests.generate import cell_mismatches, failing_rules, render_broken_text, reports

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tab_text(report, rng: random.Random) -> str:
    """The report as a DOCX saved as plain text: one tab-separated line per table row."""
    tables = report.template.tables
    lines = [report.title, ""]
    for section in report.template.sections:
        lines += [section.heading, ""]
        if section.number == tables["art20"].section:
            for block in tables["art20"].blocks:
                lines.append((block.item or "") + "\t" * rng.randint(0, 3))
                lines.append("\t".join(["信息内容", *[c.label for c in block.cols]]))
                for row in block.rows:
                    cells = [report.text_of(("art20", row.label, c.label)) for c in block.cols]
                    lines.append("\t".join([row.label, *cells]) + "\t" * rng.randint(0, 2))
        elif section.number == tables["applications"].section:
            table = tables["applications"]
            lines.append("(本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和)\t\t申请人情况\t\t\t\t\t\t总计")
            lines.append("\t\t" + "\t".join(c.label for c in table.cols[:-1]))
            previous: list[str] = []
            for row in table.rows:
                parts = row.label.split("/")
                shown = [p if previous[: d + 1] != parts[: d + 1] else "" for d, p in enumerate(parts)]
                previous = parts
                label_cells = shown if rng.random() < 0.7 else [p for p in shown if p]  # leading tabs vary
                values = [report.text_of(("applications", row.label, c.label)) for c in table.cols]
                lines.append("\t".join([*label_cells, *values]) + "\t" * rng.randint(0, 1))
        elif section.number == tables["review_litigation"].section:
            table = tables["review_litigation"]
            lines.append("行政复议\t\t\t\t\t行政诉讼")
            lines.append("\t".join(c.label.split("/")[-1] for c in table.cols))
            lines.append("\t".join(report.text_of(("review_litigation", table.rows[0].label, c.label))
                                   for c in table.cols))
        lines += ["本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全年工作平稳有序。", ""]
    return "\n".join(lines)


@FAST
@given(report=st.one_of(reports("2021"), reports("2019")))
def test_pdf_style_broken_text_parses_back_exactly(report):
    record = extract_bytes(render_broken_text(report).encode("utf-8"), {"path": "broken.txt"})
    assert record["template"] == report.template.id
    assert cell_mismatches(record, report) == {}
    assert failing_rules(record) == set(report.violated)
    assert not [c for c in record["cells"] if c["uncertain"]]


@FAST
@given(report=st.one_of(reports("2021"), reports("2019")), seed=st.integers(0, 2**16))
def test_tab_separated_text_parses_back_exactly(report, seed):
    text = tab_text(report, random.Random(seed))
    record = extract_bytes(text.encode("gb18030"), {"path": "docx-as.txt"})
    assert (record["template"], record["year"]) == (report.template.id, report.year)
    assert cell_mismatches(record, report) == {}
    assert failing_rules(record) == set(report.violated)
