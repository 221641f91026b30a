"""Chinese full-text search: every report whose text holds the word, through Datasette's table search, the
search box, the all-tables search and the ranked canned query; snippets escaped before highlighting."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from urllib.parse import quote

import pytest

from archive.load import load
from archive.search import MARK_END, MARK_START, fts_query, index_text, marked_to_html, snippet_marked
from archive.synthetic import make_record
from tests.archive.corpus import write_jsonl
from tests.archive.datasette_client import Client

WORDS = [
    "复议",
    "公开",
    "依申请公开",
    "行政诉讼",
    "三门峡经济开发区",
    "费",
    "统计信息",
    "雷同",
    "1件",
    "议1",
    "政府信息公开工作年度报告",
]


def expected_ids(db, word: str) -> set[int]:
    """Plain substring search, white space ignored: what every search must agree with."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, title, text FROM reports").fetchall()
    conn.close()
    return {rid for rid, title, text in rows if word in re.sub(r"\s+", "", f"{title}{text}")}


@pytest.fixture
def client(archive_db):
    return Client(archive_db)


def test_the_index_holds_bigrams_and_the_query_is_a_phrase_of_the_same_tokens():
    assert index_text("行政复\n议12件").split() == ["行政", "政复", "复议", "议", "1", "2", "件"]
    assert fts_query("复议") == '"复议"'
    assert fts_query("依申请 公开") == '"依申 申请 请公 公开"'
    assert fts_query("费") == '"费"*'
    assert fts_query("2023年") == '"2 0 2 3 年"*'
    assert fts_query("议1") == '"议 1"'
    assert fts_query('"复议" OR x') == '"复议 议 O R x"'
    assert fts_query("   ") == '""'


def test_snippets_find_words_across_line_breaks_and_mark_them():
    snippet = snippet_marked("第一行文字行政\n诉讼情况说明", "行政诉讼", width=3)
    assert snippet == f"…行文字{MARK_START}行政诉讼{MARK_END}情况说…"


def test_snippet_html_is_escaped_before_the_highlight_is_added():
    html = marked_to_html(snippet_marked("<script>alert(1)</script>行政复议<b>", "复议"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "<mark>复议</mark>" in html


@pytest.mark.parametrize("word", WORDS)
def test_table_search_finds_exactly_the_reports_that_hold_the_word(client, archive_db, word):
    data = client.json(f"/{{db}}/reports.json?_search={quote(word)}&_col=title&_size=max&_shape=objects")
    assert {int(row["id"]) for row in data["rows"]} == expected_ids(archive_db, word)


def test_the_words_of_the_test_are_discriminating(archive_db):
    counts = {word: len(expected_ids(archive_db, word)) for word in WORDS}
    total = len(expected_ids(archive_db, ""))
    assert counts["雷同"] == 0
    assert all(0 < counts[w] < total for w in ("复议", "依申请公开", "行政诉讼", "三门峡经济开发区", "费", "统计信息"))
    assert counts["公开"] == total


@pytest.mark.parametrize("word", ["复议", "依申请公开", "三门峡经济开发区"])
def test_ranked_search_returns_the_same_reports_with_highlighted_snippets(client, archive_db, word):
    data = client.json(f"/{{db}}/search.json?q={quote(word)}&_shape=objects")
    assert {int(row["id"]) for row in data["rows"]} == expected_ids(archive_db, word)
    for row in data["rows"]:
        assert MARK_START in row["snippet"]
        marked = row["snippet"].split(MARK_START)[1].split(MARK_END)[0]
        assert re.sub(r"\s+", "", marked) == word
    ranks = [float(row["rank"]) for row in data["rows"]]
    assert ranks == sorted(ranks)
    html = client.get(f"/{{db}}/search?q={quote(word)}").text
    assert f"<mark>{word[0]}" in html


def test_the_search_box_on_the_table_page_searches(client, archive_db):
    html = client.get("/{db}/reports?_search=" + quote("行政诉讼")).text
    assert 'name="_search"' in html and 'value="行政诉讼"' in html
    assert f"{len(expected_ids(archive_db, '行政诉讼'))} row" in html


def test_a_table_search_links_to_the_ranked_search_for_the_same_words(client, archive_db):
    html = client.get("/{db}/reports?_search=" + quote("行政诉讼")).text
    [link] = re.findall(r'<p class="ranked-search"><a href="([^"]+)">', html)
    assert link == "/{}/search?q={}".format(archive_db.stem, quote("行政诉讼"))
    ranked = client.json(link.replace(f"/{archive_db.stem}/search?", "/{db}/search.json?") + "&_shape=objects")
    assert {int(row["id"]) for row in ranked["rows"]} == expected_ids(archive_db, "行政诉讼")
    assert 'class="ranked-search"' not in client.get("/{db}/reports").text


def test_the_served_archive_is_read_through_a_memory_map(client):
    db = client.datasette.get_database(client.name)
    mapped = asyncio.run(db.execute_fn(lambda conn: conn.execute("pragma mmap_size").fetchone()[0]))
    assert mapped >= 2**30


def test_the_all_tables_search_lists_the_reports_table(client):
    response = client.get("/-/search?q=" + quote("复议"))
    assert response.status_code == 200
    assert "/reports.json" in response.text and "reports" in response.text


def test_text_from_a_document_cannot_inject_markup(tmp_path):
    evil = make_record(seed=11, extra_text="<script>alert('x')</script><img src=x onerror=alert(1)>内容雷同")
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "evil.jsonl", [evil])], db)
    client = Client(db)
    for path in ("/{db}/search?q=" + quote("雷同"), "/{db}/reports?_search=" + quote("雷同")):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x" in client.get("/{db}/search?q=" + quote("雷同")).text
