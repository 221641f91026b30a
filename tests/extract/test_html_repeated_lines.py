"""An inline HTML report whose tables are written as text lines (one `<p>` per line, no `<table>`) keeps every
line: trafilatura collapses paragraphs that repeat an earlier one ("0 0 0 0 0 0", "总计", "其他"), so the
reader takes the article's own element once trafilatura has located it."""

import html
import json
from collections import Counter
from pathlib import Path

import pytest

from extract.pipeline import extract_bytes
from extract.readers.html import read_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = ["000_db66c7502a480a75", "001_cad4fa3e014eb2f3", "002_350fbfc8d48350cb"]
FURNITURE = ("当前位置", "办事服务", "版权所有", "网站标识码", "相关链接")


def _lines(sample: str) -> list[str]:
    text = (FIXTURES / "reports" / f"{sample}.txt").read_text(encoding="utf-8")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _article_page(lines: list[str], title_in_article: bool = True) -> bytes:
    """A portal page with navigation, breadcrumbs, related links and footer around the report's lines, the
    title and the article side by side in the body (the shape on which trafilatura collapses repeats); the
    title is the article's first paragraph too, or only the page's heading."""
    article = "".join(f"<p>{html.escape(line)}</p>" for line in lines[0 if title_in_article else 1 :])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(lines[0])}_某某市人民政府</title>
</head><body><div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/bsfw/">办事服务</a></li>
</ul></div><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<h1>{html.escape(lines[0])}</h1><div class="TRS_Editor">{article}</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a.html">关于印发某某工作要点的通知</a></li></ul></div>
<div class="footer"><p>网站标识码：4101000001</p><p>版权所有 © 某某市人民政府</p></div></body></html>""".encode()


@pytest.mark.parametrize("title_in_article", [True, False])
@pytest.mark.parametrize("sample", SAMPLES)
def test_every_line_of_an_article_survives_including_repeated_ones(sample, title_in_article):
    lines = _lines(sample)
    document = read_html(_article_page(lines, title_in_article))
    read = Counter(" ".join(line.text.split()) for line in document.lines)
    article = lines if title_in_article else lines[1:]  # a heading outside the article is the page's title
    assert {line: n for line, n in Counter(article).items() if read[line] < n} == {}
    assert not [word for word in FURNITURE if word in document.text]


@pytest.mark.parametrize("title_in_article", [True, False])
def test_a_report_whose_table_rows_repeat_as_text_lines_keeps_all_its_cells(title_in_article):
    sample = SAMPLES[0]
    lines = _lines(sample)
    assert max(Counter(lines).values()) > 1  # the sample repeats lines ("0 0 0 0 0 0"): the case at hand
    page = _article_page(lines, title_in_article)
    record = extract_bytes(page, {"url": "http://www.example.gov.cn/t20240115_101.html"})
    expected = json.loads((FIXTURES / "expected" / f"{sample}.json").read_text(encoding="utf-8"))["cells"]
    assert len(expected) == 200
    cells = {(c["table"], c["row"], c["col"]): c["value"] for c in record["cells"]}
    assert cells == {(c["table"], c["row"], c["col"]): c["value"] for c in expected}
    assert any("trafilatura dropped" in w["message"] for w in record["warnings"] if w["code"] == "reader")
