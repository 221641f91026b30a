"""The Datasette publication: metadata from the declaration, facets, canned queries, feeds, the plugin set
pinned together, the report page, archived copies served safely, read-only settings, publish and serve."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest

from archive.load import load
from archive.metadata import REPORT_FACETS, build_metadata
from archive.publication import publish, sha256_file
from archive.queries import QUERIES
from archive.schema import TABLES, wide_tables
from archive.synthetic import make_record
from tests.archive.corpus import write_jsonl
from tests.archive.datasette_client import Client
from tests.archive.rawstore import make_raw_store, stored_pdf_record


@pytest.fixture
def client(archive_db):
    return Client(archive_db)


def first_id(db, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_every_table_and_column_has_metadata_in_chinese_and_english():
    metadata = build_metadata("archive")
    tables = metadata["databases"]["archive"]["tables"]
    for spec in TABLES:
        assert set(tables[spec.name]["columns"]) == {c.name for c in spec.columns}
        assert " / " in tables[spec.name]["description"]
    for name, labels in wide_tables().items():
        columns = tables[name]["columns"]
        assert all(columns[label.wide_column] for label in labels)
    fee = tables["t2021_art20"]["columns"]["admin_fees__amount_wan_yuan"]
    assert "万元" in fee and "行政事业性收费" in fee
    assert metadata["license"] and metadata["source"] and "万元" in metadata["description"]


def test_the_plugin_set_is_pinned_and_loaded_together(client):
    versions = client.json("/-/versions.json")
    assert versions["datasette"]["version"] == "0.65.5"
    plugins = {p["name"]: p.get("version") for p in client.json("/-/plugins.json")}
    assert plugins["datasette-vega"] == "0.6.2"
    assert plugins["datasette-atom"] == "0.9"
    assert plugins["datasette-search-all"] == "1.1.4"
    assert "govreports_archive.py" in plugins


def test_the_instance_is_read_only_with_limits_and_no_facet_suggestions(client):
    databases = client.json("/-/databases.json")
    assert all(not db["is_mutable"] for db in databases)
    settings = client.json("/-/settings.json")
    assert settings["suggest_facets"] is False
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 1000
    response = client.get("/{db}.json?sql=" + quote("delete from reports"))
    assert response.status_code == 400
    page = client.get("/{db}/reports")
    assert "max-age=600" in page.headers["cache-control"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_bad_sort_or_through_parameter_is_a_client_error_not_a_server_error(client):
    for query in ("_sort=no_such_column", "_sort_desc=no_such_column", "_sort=year&_sort_desc=year",
                  '_through={"table":"x","column":"y","value":"z"}'):
        page = client.get("/{db}/reports?" + query)
        assert page.status_code == 400, query
        assert "Cannot" in page.text or "Invalid" in page.text
        assert client.get("/{db}/reports.json?" + query).status_code == 400, query
    assert client.get("/{db}/reports.json?_sort=year").status_code == 200


def test_the_reports_page_leads_to_the_ranked_search(client):
    html = client.get("/{db}/reports").text
    assert 'href="/archive/search"' in html


def test_reports_have_the_facets_researchers_need(client):
    data = client.json("/{db}/reports.json?_size=1")
    assert set(data["facet_results"]) == set(REPORT_FACETS)
    years = {str(item["value"]) for item in data["facet_results"]["year"]["results"]}
    assert {"2021", "2022", "2023"} <= years
    assert not data.get("suggested_facets")


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_runs(client, archive_db, name):
    body_id = first_id(archive_db, "SELECT body_id FROM reports WHERE versions = 2")
    report_id = first_id(archive_db, "SELECT id FROM reports WHERE previous_id IS NOT NULL")
    params = {
        "q": "复议",
        "year": "2022",
        "body_id": body_id,
        "report_id": report_id,
        "include_uncertain": "",
        "max_bits": "3",
    }
    response = client.get(
        f"/{{db}}/{name}.json?_shape=objects&" + "&".join(f"{k}={quote(str(v))}" for k, v in params.items())
    )
    assert response.status_code == 200, response.text[:500]


def test_the_time_series_and_version_queries_give_the_right_numbers(client, archive_db):
    body_id = first_id(archive_db, "SELECT body_id FROM reports WHERE versions = 2")
    rows = client.json(f"/{{db}}/body_time_series.json?_shape=objects&body_id={body_id}&include_uncertain=")["rows"]
    assert [row["year"] for row in rows] == [2021, 2022, 2023]
    conn = sqlite3.connect(archive_db)
    latest_2023 = conn.execute(
        "SELECT new_received__total FROM t2021_applications w JOIN reports r ON r.id = "
        "w.report_id WHERE r.body_id = ? AND r.year = 2023 AND r.is_latest = 1",
        (body_id,),
    ).fetchone()
    report_id = conn.execute("SELECT id FROM reports WHERE previous_id IS NOT NULL").fetchone()[0]
    differing = conn.execute(
        "SELECT count(*) FROM cells n JOIN cells o ON o.label_id = n.label_id JOIN reports r ON r.id = n.report_id "
        "WHERE n.report_id = ? AND o.report_id = r.previous_id AND n.value != o.value",
        (report_id,),
    ).fetchone()[0]
    conn.close()
    assert rows[-1]["new_received"] == latest_2023[0]
    changes = client.json(f"/{{db}}/version_changes.json?_shape=objects&report_id={report_id}")["rows"]
    assert len(changes) == differing > 0


def test_late_and_missing_reports_are_found(client):
    late = client.json("/{db}/late_publication.json?_shape=objects&year=")["rows"]
    assert [(r["published"], r["days_late"]) for r in late] == [("2024-03-02", 31)]
    missing = client.json("/{db}/bodies_without_report.json?_shape=objects&year=2021")["rows"]
    assert "三门峡市财政局" not in {r["full_name"] for r in missing}
    assert "郑州市人民政府" in {r["full_name"] for r in missing}


def test_near_duplicate_reports_by_different_bodies_are_paired(tmp_path):
    original = make_record(body="三门峡市财政局", year=2023, seed=5)
    copy = json.loads(json.dumps(original))
    copy["body"], copy["source"]["sha256"] = "三门峡市教育局", "e" * 64
    copy["title"] = copy["text"].splitlines()[0].replace("财政", "教育")
    copy["text"] = copy["text"].replace("三门峡市财政局", "三门峡市教育局").replace("1", "7")
    other = make_record(body="郑州市统计局", year=2023, seed=99, extra_text="完全不同的内容。" * 30)
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "dup.jsonl", [original, copy, other])], db)
    rows = Client(db).json("/{db}/near_duplicates.json?_shape=objects&max_bits=3")["rows"]
    assert len(rows) == 1 and rows[0]["differing_bits"] <= 3
    assert {rows[0]["a_title"], rows[0]["b_title"]} == {original["title"], copy["title"]}


def test_atom_feeds_of_new_reports_and_search_hits(client):
    feed = client.get("/{db}/new_reports_feed.atom")
    assert feed.status_code == 200 and "http://www.w3.org/2005/Atom" in feed.text
    assert feed.text.count("<entry>") == 10
    hits = client.get("/{db}/search_feed.atom?q=" + quote("三门峡经济开发区"))
    assert hits.status_code == 200 and hits.text.count("<entry>") == 5
    assert "\ue000" not in hits.text


def test_the_report_page_shows_the_three_tables_a_chart_and_its_links(client, archive_db):
    report_id = first_id(archive_db, "SELECT id FROM reports WHERE template = '2021' AND n_cells = 200")
    html = client.get(f"/{{db}}/reports/{report_id}").text
    for key in ("t2", "t3", "t4"):
        assert f'data-table="{key}"' in html
    assert "三、本年度办理结果/（一）予以公开" in html and "本年收费金额（单位：万元）" in html
    assert 'class="report-chart"' in html
    assert "body_time_series?body_id=" in html and "g.mark=line" in html
    legacy = first_id(archive_db, "SELECT id FROM reports WHERE template = 'legacy'")
    assert "data-table=" not in client.get(f"/{{db}}/reports/{legacy}").text


def test_archived_copies_are_linked_and_served_so_they_cannot_run_script(tmp_path):
    raw = tmp_path / "raw"
    info = make_raw_store(raw)
    record = stored_pdf_record(info)
    record["representations"] = [
        {"sha256": info["page_sha"], "media_type": "text/html", "method": "html", "cells": 0, "chosen": False}
    ]
    db = tmp_path / "archive.db"
    summary = load([write_jsonl(tmp_path / "r.jsonl", [record])], db, raw_dir=raw)
    assert summary.captures == 3
    conn = sqlite3.connect(db)
    report = conn.execute("SELECT page_url, published, portal, archived, source_url, id FROM reports").fetchone()
    body = conn.execute("SELECT division_code, evidence FROM bodies WHERE derived = 0").fetchone()
    links = conn.execute("SELECT role, sha256 FROM report_documents ORDER BY role").fetchall()
    captures = conn.execute("SELECT count(*), sum(status = 404) FROM captures").fetchone()
    conn.close()
    assert report[:3] == (info["page_url"], "2024-01-19", "smx")
    assert report[3] == f"/-/archived/{info['pdf_sha']}" and report[4] == info["pdf_url"]
    assert body[0] == "411200" and "SiteIDCode" in body[1]
    assert links == [("representation", info["page_sha"]), ("source", info["pdf_sha"])]
    assert captures == (3, 1)
    client = Client(db)
    pdf = client.get(f"/-/archived/{info['pdf_sha']}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-security-policy"].startswith("sandbox")
    assert pdf.headers["content-disposition"].startswith("inline")
    page = client.get(f"/-/archived/{info['page_sha']}")
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"].startswith("attachment")
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/-/archived/" + "0" * 64).status_code == 404
    traversal = client.get("/-/archived/..%2F..%2Fetc%2Fpasswd")
    assert traversal.status_code != 200 and "root:" not in traversal.text
    html = client.get(f"/{{db}}/reports/{report[5]}").text
    assert f'href="/-/archived/{info["pdf_sha"]}"' in html and info["page_url"] in html
    assert f"captures?sha256={info['pdf_sha']}" in html
    fetch = client.json(f"/{{db}}/captures.json?_shape=objects&sha256={info['pdf_sha']}")["rows"]
    assert [(r["url"], r["status"], r["warc_file"], r["warc_offset"]) for r in fetch] == [
        (info["pdf_url"], 200, "crawl-00001.warc.gz", 4096)
    ]


def test_a_database_that_only_went_through_load_is_served(tmp_path, records_file):
    db = tmp_path / "fresh.db"
    load([records_file], db)
    assert not (tmp_path / "fresh.db-wal").exists()
    data = Client(db).json("/fresh/reports.json?_search=" + quote("复议") + "&_size=1")
    assert data["filtered_table_rows_count"] > 0


def test_publish_writes_the_release_files_with_checksums(tmp_path, records_file):
    db = tmp_path / "archive.db"
    load([records_file], db)
    out = publish(db, tmp_path / "release")
    sums = dict(line.split("  ")[::-1] for line in (out / "SHA256SUMS").read_text().splitlines())
    assert "archive.db" in sums and "tables/cells.parquet" in sums and "tables/reports.csv" in sums
    assert all(sha256_file(out / name) == digest for name, digest in sums.items())
    version = json.loads((out / "VERSION").read_text())
    assert version["rows"]["reports"] == 10 and version["rows"]["search_index"] == 10
    cells = pq.read_table(out / "tables" / "cells.parquet")
    assert cells.num_rows == version["rows"]["cells"]
    assert "sqlite_stat1.csv" not in {p.name for p in (out / "tables").iterdir()}
    release = Client(out / "archive.db")
    assert release.json("/archive/reports.json?_search=" + quote("依申请公开") + "&_size=1")[
        "filtered_table_rows_count"
    ]


def test_uncertain_values_are_left_out_of_aggregates_unless_asked(tmp_path):
    sure = make_record(body="三门峡市财政局", year=2022, seed=1)
    unsure = make_record(body="三门峡市财政局", year=2023, seed=2, uncertain=200)
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "u.jsonl", [sure, unsure])], db)
    client = Client(db)
    body_id = first_id(db, "SELECT body_id FROM reports LIMIT 1")
    series = "/{db}/body_time_series.json?_shape=objects&body_id=%s&include_uncertain=%s"
    assert [r["year"] for r in client.json(series % (body_id, ""))["rows"]] == [2022]
    assert [r["year"] for r in client.json(series % (body_id, "1"))["rows"]] == [2022, 2023]
    shares = "/{db}/refusal_share_by_reason.json?_shape=objects&include_uncertain=%s"
    assert {r["year"] for r in client.json(shares % "")["rows"]} == {2022}
    assert {r["year"] for r in client.json(shares % "1")["rows"]} == {2022, 2023}


def test_refusal_shares_equal_the_sums_of_the_cells(client, archive_db):
    conn = sqlite3.connect(archive_db)
    totals: dict[tuple[int, str], float] = {}
    for year, key, value in conn.execute(
        "SELECT r.year, l.row_key, c.value FROM cells c JOIN labels l ON l.id = c.label_id "
        "JOIN reports r ON r.id = c.report_id WHERE r.is_latest = 1 AND l.table_name = 'applications' "
        "AND l.col_key = 'total'"
    ):
        totals[(year, key)] = totals.get((year, key), 0) + value
    conn.close()
    rows = client.json("/{db}/refusal_share_by_reason.json?_shape=objects&_size=max&include_uncertain=")["rows"]
    assert rows
    for row in rows:
        assert row["applications"] == totals[(row["year"], row["row_key"])]
        expected = round(100 * totals[(row["year"], row["row_key"])] / totals[(row["year"], "total_processed")], 2)
        assert row["share_percent"] == pytest.approx(expected)
    assert {row["row_key"] for row in rows if row["year"] == 2020} >= {"denied_state_secret", "other"}
