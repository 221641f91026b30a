"""DOCX with real Word tables (merged as in the template) reads back as the template's grids, and every cell
parses back exactly through the pipeline; a violated identity is reported, not corrected."""

import io
import random

import docx
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_bytes
from extract.readers.docx import read_docx
from tests.generate import cell_mismatches, failing_rules, layouts, make_report, render_docx, reports

# Each example renders a DOCX: few examples, and no shrinking (a failure prints its seed to replay).
SLOW = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


@SLOW
@given(report=reports(template_id=None), split_art20=st.booleans(), wrapped_labels=st.booleans())
def test_docx_tables_come_back_as_the_template_grids(report, split_art20, wrapped_labels):
    document = read_docx(render_docx(report, split_art20=split_art20, wrapped_labels=wrapped_labels))
    expected = [layout.expected_grid() for layout in layouts(report, split_art20)]
    assert [grid.rows for grid in document.tables] == expected


@SLOW
@given(report=reports(template_id=None))
def test_every_docx_cell_parses_back_and_violations_are_reported_not_corrected(report):
    record = extract_bytes(render_docx(report), {"path": "generated.docx"})
    assert record["errors"] == []
    assert record["method"] == "docx"
    assert cell_mismatches(record, report) == {}
    assert failing_rules(record) == set(report.violated)


def test_merged_cells_are_written_once_in_the_text_but_fill_the_grid():
    report = make_report(random.Random(3))
    document = read_docx(render_docx(report))
    assert document.text.count("三、本年度办理结果") == 1
    applications = document.tables[1].rows
    assert sum(row.count("三、本年度办理结果") for row in applications) == 22


def test_paragraphs_and_tables_keep_document_order():
    document = read_docx(render_docx(make_report(random.Random(3))))
    text = document.text
    order = ["一、总体情况", "第二十条第（一）项", "三、收到和处理政府信息公开申请情况", "一、本年新收", "尚未审结"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_content_controls_and_tables_nested_in_a_layout_table_are_read():
    """A report wrapped in a content control (w:sdt), with table 三 pasted inside a one-cell table."""
    report = make_report(random.Random(5))
    word = docx.Document(io.BytesIO(render_docx(report)))
    body = word.element.body
    control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    control.append(content)
    for child in [c for c in body if c.tag != qn("w:sectPr")]:
        content.append(child)
    body.insert(0, control)
    applications = list(content.iter(qn("w:tbl")))[1]
    outer = word.add_table(rows=1, cols=1)._tbl
    content.append(outer)
    cell = next(outer.iter(qn("w:tc")))
    cell.append(applications)
    cell.append(OxmlElement("w:p"))  # a cell must end with a paragraph
    out = io.BytesIO()
    word.save(out)

    document = read_docx(out.getvalue())
    assert document.lines[0].text == report.title
    assert layouts(report)[1].expected_grid() in [grid.rows for grid in document.tables]
    record = extract_bytes(out.getvalue(), {"path": "wrapped.docx"})
    assert cell_mismatches(record, report) == {}


def test_text_in_unaccepted_insertions_and_inline_controls_is_read_and_deleted_text_is_not():
    word = docx.Document()
    paragraph = word.add_paragraph("本年新收")
    namespace = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    for xml in (
        '<w:ins {ns} w:id="1" w:author="a"><w:r><w:t>51件</w:t></w:r></w:ins>',
        '<w:del {ns} w:id="2" w:author="a"><w:r><w:delText>50件</w:delText></w:r></w:del>',
        "<w:sdt {ns}><w:sdtContent><w:r><w:t>，均已办结</w:t></w:r></w:sdtContent></w:sdt>",
    ):
        paragraph._p.append(parse_xml(xml.format(ns=namespace)))
    out = io.BytesIO()
    word.save(out)
    assert read_docx(out.getvalue()).text == "本年新收51件，均已办结"
