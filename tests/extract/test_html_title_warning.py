"""An HTML report whose `<h1>` title is repeated as the article's first paragraph (or whose `<h1>` trafilatura
takes as the page heading) loses no line, so it gets no `reader` warning; a page on which trafilatura really
collapses a repeated paragraph still warns, and that line is kept."""

import html
import itertools
import random
import re

import pytest

from extract.pipeline import extract_bytes
from extract.readers.html import read_html
from tests.generate import make_report, render_html

PROSE = re.compile(r"<p>(?!<strong>)[^<]*</p>")
REPEATED = "无。"
ARTICLE_START = '<div class="TRS_Editor" id="zoom">'
RELATED = '<div class="related">'


def _page(h1: str, first_paragraph: str, repeat_a_paragraph: bool = False) -> tuple[bytes, str, list[str]]:
    """A generated portal page (its tables and headings) with every prose paragraph made unique; the `<h1>`
    inside or outside the article, or none; the title repeated as the first paragraph (plain, bold) or not.
    With `repeat_a_paragraph`, sections 五 and 六 both end with the same paragraph. Returns the page, its title
    and its prose paragraphs."""
    report = make_report(random.Random(5))
    title = html.escape(report.title)
    counter = itertools.count(1)
    before, article = render_html(report).decode().split(ARTICLE_START)
    article, after = article.split(RELATED)
    article = PROSE.sub(lambda _: f"<p>本机关第{next(counter)}项工作按要求完成。</p>", article)
    prose = [f"本机关第{n}项工作按要求完成。" for n in range(1, next(counter))]
    if repeat_a_paragraph:
        for heading in ("五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
            heading_end = f"<strong>{heading}</strong></p>"
            article = article.replace(heading_end, f"{heading_end}<p>{REPEATED}</p>")
    page = f"{before}{ARTICLE_START}{article}{RELATED}{after}"
    repeated = {"plain": f"<p>{title}</p>", "bold": f'<p style="text-align:center"><strong>{title}</strong></p>',
                "none": ""}[first_paragraph]  # fmt: skip
    page = page.replace(f"{ARTICLE_START}<h1>{title}</h1>", {
        "inside": f"{ARTICLE_START}<h1>{title}</h1>{repeated}",
        "outside": f"<h1>{title}</h1>{ARTICLE_START}{repeated}",
        "none": f"{ARTICLE_START}{repeated}",
    }[h1])  # fmt: skip
    return page.encode(), report.title, prose


def _reader_warnings(record: dict) -> list[dict]:
    return [warning for warning in record["warnings"] if warning["code"] == "reader"]


@pytest.mark.parametrize(("h1", "first_paragraph"), [
    ("inside", "plain"), ("inside", "bold"), ("inside", "none"), ("outside", "plain"), ("outside", "bold"),
])  # fmt: skip
def test_a_title_repeated_as_the_first_paragraph_gives_no_reader_warning(h1, first_paragraph):
    page, title, prose = _page(h1, first_paragraph)
    record = extract_bytes(page, {"url": "http://www.example.gov.cn/t20240115_1.html"})
    assert _reader_warnings(record) == []
    assert record["title"] == title
    lines = set(record["text"].splitlines())
    assert [paragraph for paragraph in prose if paragraph not in lines] == []
    assert len(record["cells"]) == 200


@pytest.mark.parametrize("h1", ["inside", "outside"])
def test_a_page_that_really_loses_a_repeated_paragraph_still_warns_and_keeps_it(h1):
    page, title, _ = _page(h1, "plain", repeat_a_paragraph=True)
    record = extract_bytes(page, {"url": "http://www.example.gov.cn/t20240115_2.html"})
    [warning] = _reader_warnings(record)
    assert "trafilatura dropped 1 line(s)" in warning["message"]
    assert [line.text for line in read_html(page).lines].count(REPEATED) == 2
    assert record["title"] == title
    assert len(record["cells"]) == 200


def test_a_page_without_h1_but_a_repeated_first_paragraph_is_not_confused_with_a_title():
    page, _, _ = _page("none", "plain", repeat_a_paragraph=True)
    [warning] = _reader_warnings(extract_bytes(page, {"url": "http://www.example.gov.cn/t20240115_3.html"}))
    assert "trafilatura dropped 1 line(s)" in warning["message"]
