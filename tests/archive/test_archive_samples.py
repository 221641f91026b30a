"""The three real sample reports, extracted by the project's extractor and loaded: every declared cell
arrives, the identities are stored, and each issuing body is resolved as far as its own text allows."""

from __future__ import annotations

import sqlite3
from urllib.parse import quote

from archive.load import load
from extract.batch import extract_paths
from tests.archive.corpus import FIXTURES, write_jsonl
from tests.archive.datasette_client import Client


def test_extracted_sample_reports_load_with_all_cells_checks_and_bodies(tmp_path):
    records = list(extract_paths([str(p) for p in sorted(FIXTURES.glob("*.txt"))]))
    db = tmp_path / "archive.db"
    summary = load([write_jsonl(tmp_path / "samples.jsonl", records)], db)
    assert (summary.written, summary.issues) == (3, 0)
    conn = sqlite3.connect(db)
    reports = conn.execute("SELECT n_cells, checks_total, checks_failed FROM reports").fetchall()
    bodies = dict(conn.execute("SELECT b.full_name, b.division_code FROM bodies b WHERE b.derived = 0"))
    ambiguous = conn.execute("SELECT full_name, candidates FROM bodies WHERE ambiguous = 1").fetchall()
    with_col_raw = conn.execute("SELECT count(*) FROM cells WHERE col_raw IS NOT NULL").fetchone()[0]
    conn.close()
    assert all(n_cells == 200 and checks > 0 and failed == 0 for n_cells, checks, failed in reports)
    assert with_col_raw == sum(1 for r in records for c in r["cells"] if c.get("col_raw")) > 0
    assert bodies["三门峡经济开发区党政办公室"] == "411271"
    assert "济源高新技术产业开发区管理办公室" in bodies
    assert ambiguous == [("城乡一体化示范区党政办公室", '["410472", "410773", "410871", "411372"]')]
    hits = Client(db).json("/{db}/reports.json?_shape=objects&_col=title&_search=" + quote("信息处理费"))["rows"]
    assert 0 < len(hits) == sum("信息处理费" in "".join(r["text"].split()) for r in records)
