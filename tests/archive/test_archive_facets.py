"""The reports table's facets, computed in one grouped pass (archive/facets.py), give exactly what Datasette's own
per-column facet gives, under a search and a filter, and a facet query over its time limit is reported, not lost."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

import pytest

from archive.facets import count_columns
from archive.metadata import REPORT_FACETS
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


@pytest.mark.parametrize("query", ["_search=" + quote("复议"), "_search=" + quote("公开") + "&year=2022", "year=2021"])
def test_single_pass_facets_equal_datasettes_own(client, query):
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


def test_a_facet_pass_over_its_time_limit_is_interrupted(archive_db):
    from datasette.database import QueryInterrupted

    conn = sqlite3.connect(archive_db)
    endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x AS year, x AS city FROM c"
    with pytest.raises(QueryInterrupted):
        count_columns(conn, endless, {}, ["year", "city"], time_limit_ms=50)
    conn.close()
