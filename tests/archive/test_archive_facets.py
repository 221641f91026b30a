"""The reports table's facets, computed in one grouped pass (archive/facets.py), give exactly what Datasette's own
per-column facet gives, under a search and a filter, whether the pass looks the matches up by rowid or scans the
index of the facet columns, and a facet query over its time limit is reported, not lost."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest

import archive.facets
from archive.facets import as_index_scan, count_columns, table_facts
from archive.metadata import REPORT_FACETS
from archive.search import fts_query
from tests.archive.datasette_client import Client


@pytest.fixture
def client(archive_db):
    return Client(archive_db)


def builtin_facets(client: Client, query: str) -> dict:
    """The same facets through Datasette's own column facet (?_facet=), from a page without the metadata ones."""
    data = client.json(f"/{{db}}/reports.json?{query}&_size=0&" + "&".join(f"_facet={c}" for c in REPORT_FACETS))
    return {name.removesuffix("_2"): facet for name, facet in data["facet_results"].items() if name.endswith("_2")}


def without_urls(results: list[dict]) -> list[dict]:
    """Facet values without their toggle URLs (the built-in ones carry the extra ?_facet= of their page)."""
    return [{k: v for k, v in item.items() if k != "toggle_url"} for item in results]


QUERIES = [
    "_search=" + quote("复议"),
    "_search=" + quote("公开") + "&year=2022",
    "year=2021",
    "_search=" + quote("三门峡"),
]
SEARCH = "rowid in (select rowid from reports_fts where reports_fts match escape_fts(:search))"


@pytest.fixture(params=["rowid lookups", "index scan"])
def facet_path(request, monkeypatch):
    """Run a test with the facet pass always looking matches up by rowid, or always scanning the facet index."""
    monkeypatch.setattr(archive.facets, "SCAN_BELOW_SHARE", 0 if request.param == "rowid lookups" else 10**9)
    return request.param


def plan(conn, sql: str, params: dict) -> str:
    return " | ".join(row[3] for row in conn.execute(f"explain query plan {sql}", params))


@pytest.mark.parametrize("query", QUERIES)
def test_single_pass_facets_equal_datasettes_own(client, query, facet_path):
    ours = client.json(f"/{{db}}/reports.json?{query}&_size=0")["facet_results"]
    theirs = builtin_facets(client, query)
    assert set(ours) == set(REPORT_FACETS) == set(theirs)
    assert any(facet["results"] for facet in ours.values())
    for column in REPORT_FACETS:
        assert ours[column]["type"] == theirs[column]["type"] == "column"
        assert without_urls(ours[column]["results"]) == without_urls(theirs[column]["results"]), column
        assert ours[column]["truncated"] == theirs[column]["truncated"]


def test_a_selected_facet_value_toggles_off(client):
    facet = client.json("/{db}/reports.json?year=2022&_size=0")["facet_results"]["year"]
    [selected] = [item for item in facet["results"] if item["selected"]]
    assert selected["value"] == 2022 and "year=2022" not in selected["toggle_url"]
    other = next(item for item in facet["results"] if not item["selected"]) if len(facet["results"]) > 1 else None
    assert other is None or f"year={other['value']}" in other["toggle_url"]


def test_a_facet_values_toggle_url_is_the_absolute_url_of_the_page_with_that_value(client):
    search = "_search=" + quote("公开")
    facet = client.json(f"/{{db}}/reports.json?{search}&_size=0")["facet_results"]["province"]
    assert facet["results"]
    for item in facet["results"]:
        page = f"http://localhost/{client.name}/reports.json?{search}&_size=0&province={quote(item['value'])}"
        assert item["toggle_url"] == page
        toggled = client.json(item["toggle_url"].removeprefix("http://localhost"))["facet_results"]["province"]
        assert [(i["value"], i["selected"]) for i in toggled["results"]] == [(item["value"], True)]


def test_a_facet_pass_over_its_time_limit_is_interrupted(archive_db):
    from datasette.database import QueryInterrupted

    conn = sqlite3.connect(archive_db)
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS year, x AS city FROM c"
    with pytest.raises(QueryInterrupted):
        count_columns(conn, endless, {}, ["year", "city"], time_limit_ms=50)
    conn.close()


@pytest.fixture
def search_conn(archive_db):
    """A connection to the archive with the plugin's escape_fts, which Datasette's search clause calls."""
    conn = sqlite3.connect(archive_db)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    yield conn
    conn.close()


def test_a_search_matching_most_reports_counts_its_facets_from_the_facet_index(search_conn):
    conn = search_conn
    sql, params = f"select * from reports where {SEARCH}", {"search": "公开"}
    grouped = "select {0}, count(*) from ({1}) group by {0}".format(", ".join(REPORT_FACETS), as_index_scan(sql))
    assert as_index_scan(sql) == f"select * from reports where +{SEARCH}"
    assert "COVERING INDEX idx_reports_year_province" in plan(conn, grouped, params)
    assert "INTEGER PRIMARY KEY" not in plan(conn, grouped, params)
    assert count_columns(conn, as_index_scan(sql), params, list(REPORT_FACETS), 1000) == count_columns(
        conn, sql, params, list(REPORT_FACETS), 1000
    )


def test_other_filters_keep_their_own_index_under_the_scan(search_conn):
    sql = as_index_scan(f'select * from reports where "body_id" = :p0 and {SEARCH}')
    assert "INDEX idx_reports_body_id_year (body_id=?)" in plan(search_conn, sql, {"p0": 1, "search": "公开"})


def test_a_loaded_archive_has_one_index_holding_every_facet_column(archive_db):
    conn = sqlite3.connect(archive_db)
    facts = table_facts(conn, "reports", list(REPORT_FACETS))
    assert facts.covered and facts.rows == conn.execute("select count(*) from reports").fetchone()[0]
    assert "body_id" in facts.foreign_keys and "year" not in facts.foreign_keys
    assert table_facts(conn, "reports", [*REPORT_FACETS, "text"]).covered is False
    conn.close()


def test_an_archive_without_the_facet_index_still_gets_its_facets(archive_db, facet_path):
    conn = sqlite3.connect(archive_db)
    [index] = [r[1] for r in conn.execute("pragma index_list(reports)") if r[1].startswith("idx_reports_year_province")]
    conn.execute(f"drop index {index}")
    conn.commit()
    conn.close()
    client = Client(archive_db)
    query = "_search=" + quote("公开")
    ours = client.json(f"/{{db}}/reports.json?{query}&_size=0")["facet_results"]
    theirs = builtin_facets(client, query)
    for column in REPORT_FACETS:
        assert without_urls(ours[column]["results"]) == without_urls(theirs[column]["results"]), column
