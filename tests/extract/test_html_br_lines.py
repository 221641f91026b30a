"""An inline HTML report whose whole text sits in one `<p>` (or `<div>`) with `<br>` between its lines reaches
the text parser as those lines, so every cell of the tables written as text is read back."""

import html
import json
from pathlib import Path

import pytest

from extract.pipeline import extract_bytes
from extract.readers.html import read_html

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = ["000_db66c7502a480a75", "001_cad4fa3e014eb2f3", "002_350fbfc8d48350cb"]


def _lines(sample: str) -> list[str]:
    text = (FIXTURES / "reports" / f"{sample}.txt").read_text(encoding="utf-8")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _one_block_page(lines: list[str], tag: str) -> bytes:
    """A portal page (navigation, breadcrumbs, footer) whose article is one `<tag>` of `<br>`-separated lines."""
    block = f"<{tag}>" + "<br>".join(html.escape(line) for line in lines) + f"</{tag}>"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(lines[0])}_某某市人民政府</title>
</head><body><div class="header"><ul class="nav"><li><a href="/">首页</a></li><li><a href="/bsfw/">办事服务</a></li>
</ul></div><div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<div class="TRS_Editor">{block}</div>
<div class="footer"><p>网站标识码：4101000001</p><p>版权所有 © 某某市人民政府</p></div></body></html>""".encode()


def _expected_cells(sample: str) -> dict:
    expected = json.loads((FIXTURES / "expected" / f"{sample}.json").read_text(encoding="utf-8"))["cells"]
    return {(c["table"], c["row"], c["col"]): c["value"] for c in expected}


@pytest.mark.parametrize("tag", ["p", "div"])
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_report_in_one_block_split_by_br_is_read_line_by_line(sample, tag):
    lines = _lines(sample)
    document = read_html(_one_block_page(lines, tag))
    assert [" ".join(line.text.split()) for line in document.lines] == lines


@pytest.mark.parametrize("tag", ["p", "div"])
@pytest.mark.parametrize("sample", SAMPLES)
def test_a_report_in_one_block_split_by_br_gives_back_all_its_cells(sample, tag):
    record = extract_bytes(_one_block_page(_lines(sample), tag), {"url": "http://www.example.gov.cn/t20240115_1.html"})
    expected = _expected_cells(sample)
    assert len(expected) == 200
    assert {(c["table"], c["row"], c["col"]): c["value"] for c in record["cells"]} == expected
    assert record["errors"] == []
