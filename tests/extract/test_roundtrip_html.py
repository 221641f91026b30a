"""A portal article page reads back as the report: page furniture gone, tables as the template's grids with
rowspan/colspan expanded (also as `<th>`, Word-pasted markup, GBK), every cell exact through the pipeline."""

import random

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_bytes
from extract.readers.html import read_html
from tests.generate import cell_mismatches, failing_rules, layouts, make_report, render_html, reports

SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
FURNITURE = ("当前位置", "办事服务", "版权所有", "网站标识码", "相关链接", "某某市人民政府门户网站")


@SETTINGS
@given(
    report=reports(template_id=None),
    gbk=st.booleans(),
    word_pasted=st.booleans(),
    th_headers=st.booleans(),
    split_art20=st.booleans(),
)
def test_html_page_reads_back_as_the_report(report, gbk, word_pasted, th_headers, split_art20):
    page = render_html(report, gbk=gbk, word_pasted=word_pasted, th_headers=th_headers, split_art20=split_art20)
    document = read_html(page)
    expected = [layout.expected_grid() for layout in layouts(report, split_art20)]
    assert [grid.rows for grid in document.tables][-len(expected) :] == expected
    assert not [word for word in FURNITURE if word in document.text]
    assert document.encoding == ("gb18030" if gbk else "utf-8")
    assert document.title == report.title

    record = extract_bytes(page, {"url": "http://www.example.gov.cn/zfxxgknb/t20240119_1.html"})
    assert cell_mismatches(record, report) == {}
    assert failing_rules(record) == set(report.violated)


def test_word_pasted_cells_and_br_headers_become_one_label_each():
    report = make_report(random.Random(11))
    document = read_html(render_html(report, word_pasted=True))
    review_header = document.tables[-1].rows[2]
    assert review_header[:5] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_repeated_paragraphs_are_kept_even_where_trafilatura_drops_them():
    report = make_report(random.Random(0))
    page = render_html(report).decode()
    repeated = "本机关无其他需要报告的事项。"
    page = page.replace("<p><strong>五、", f"<p>{repeated}</p><p><strong>五、").replace(
        "</div>\n<div class=\"related\">", f"<p>{repeated}</p></div>\n<div class=\"related\">"
    )
    document = read_html(page.encode())
    assert document.text.count(repeated) == 2
