"""Loading records into the archive: schema, stable ids, idempotent / incremental / transactional loading,
checks (stored, cross-year flagged), versions, uncertain cells, wide tables and bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.load import Loader, load
from archive.schema import TABLES, label_rows, wide_tables
from archive.search import _CHAR, _bigrams, _runs, index_text
from archive.synthetic import make_record
from extract.template import load_template
from govreports.commands.archive import load as load_command
from tests.archive.corpus import corpus, write_jsonl
from tests.archive.rawstore import make_raw_store, stored_pdf_record


def query(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return sorted(line for line in conn.iterdump() if not line.startswith('INSERT INTO "load_issues"'))
    finally:
        conn.close()


def test_every_declared_cell_is_a_label_and_every_wide_column_comes_from_the_declaration(archive_db):
    assert query(archive_db, "SELECT template, count(*) FROM labels GROUP BY template ORDER BY template") == [
        ("2019", len(load_template("2019").cells)),
        ("2021", 200),
    ]
    for name, labels in wide_tables().items():
        columns = [row[1] for row in query(archive_db, f'PRAGMA table_info("{name}")')]
        assert columns == ["report_id", "body_id", "year", "uncertain_cells", *[lab.wide_column for lab in labels]]
    assert len({lab.id for lab in label_rows()}) == len(label_rows())


def test_every_table_and_column_is_documented_in_chinese_and_english():
    for spec in TABLES:
        assert spec.zh and spec.en, spec.name
        for column in spec.columns:
            assert column.zh and column.en, (spec.name, column.name)


def test_ids_are_stable_across_rebuilds_in_any_order(tmp_path):
    records = corpus()
    first = load([write_jsonl(tmp_path / "a.jsonl", records)], tmp_path / "a.db")
    second = load([write_jsonl(tmp_path / "b.jsonl", list(reversed(records)))], tmp_path / "b.db")
    assert first.written == second.written == len(records)
    table_dump = "SELECT id, body_id, version, is_latest, content_hash FROM reports ORDER BY id"
    assert query(tmp_path / "a.db", table_dump) == query(tmp_path / "b.db", table_dump)
    bodies = "SELECT id, full_name, evidence, parent_id FROM bodies ORDER BY id"
    assert query(tmp_path / "a.db", bodies) == query(tmp_path / "b.db", bodies)


def test_reloading_the_same_records_changes_nothing(tmp_path, records_file):
    db = tmp_path / "archive.db"
    load([records_file], db)
    before = dump(db)
    again = load([records_file], db)
    assert again.written == 0 and again.unchanged == len(corpus())
    assert dump(db) == before


def test_only_new_or_changed_records_are_written(tmp_path, records_file):
    db = tmp_path / "archive.db"
    load([records_file], db)
    changed = corpus()[0]
    changed["extractor_version"] = "0.2.0"
    changed["cells"][0]["value"] = 999
    new = make_record(body="三门峡市财政局", year=2023, seed=7)
    summary = load([write_jsonl(tmp_path / "delta.jsonl", [changed, new, *corpus()[1:]])], db)
    assert (summary.written, summary.unchanged) == (2, len(corpus()) - 1)
    report_id = query(db, "SELECT id FROM reports WHERE sha256 = ?", (changed["source"]["sha256"],))[0][0]
    assert query(db, "SELECT extractor_version FROM reports WHERE id = ?", (report_id,)) == [("0.2.0",)]
    assert query(db, "SELECT count(*) FROM cells WHERE report_id = ? AND value = 999", (report_id,)) == [(1,)]
    assert query(db, "SELECT count(*) FROM cells WHERE report_id = ?", (report_id,)) == [(200,)]


def test_an_older_extractor_version_never_replaces_a_newer_one(tmp_path):
    newer = make_record(seed=3)
    newer["extractor_version"] = "0.10.0"
    older = json.loads(json.dumps(newer))
    older["extractor_version"] = "0.9.0"
    older["text"] += "旧版"
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "n.jsonl", [newer])], db)
    summary = load([write_jsonl(tmp_path / "o.jsonl", [older])], db)
    assert summary.superseded == 1
    assert query(db, "SELECT extractor_version FROM reports") == [("0.10.0",)]


def test_a_crash_inside_a_batch_leaves_the_previous_state(tmp_path, monkeypatch):
    records = [make_record(body="三门峡市财政局", year=2023, seed=s) for s in range(6)]
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "first.jsonl", records[:2])], db)
    before = dump(db)
    original = Loader.write
    calls = {"n": 0}

    def crash_on_fourth(self, record, file, line, summary, line_hash=None):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulated crash")
        return original(self, record, file, line, summary, line_hash)

    monkeypatch.setattr(Loader, "write", crash_on_fourth)
    with pytest.raises(RuntimeError):
        load([write_jsonl(tmp_path / "second.jsonl", records[2:])], db, batch_size=10)
    assert dump(db) == before
    assert query(db, "SELECT count(*) FROM reports_fts") == query(db, "SELECT count(*) FROM reports")


def test_bad_input_is_recorded_and_everything_else_is_loaded(tmp_path):
    good = make_record(seed=4)
    unknown_cell = make_record(seed=5)
    unknown_cell["cells"][0]["row"] = "不存在的行"
    path = write_jsonl(tmp_path / "mixed.jsonl", [good, unknown_cell], ("{broken json", '{"title": "no text"}'))
    db = tmp_path / "archive.db"
    summary = load([path], db)
    assert summary.written == 2
    issues = query(db, "SELECT line, code FROM load_issues ORDER BY line")
    assert issues == [(2, "cell_unknown_label"), (3, "bad_record"), (4, "bad_record")]
    assert query(
        db,
        "SELECT count(*) FROM cells WHERE report_id = (SELECT id FROM reports WHERE sha256 = ?)",
        (unknown_cell["source"]["sha256"],),
    ) == [(199,)]


def test_a_failed_extraction_is_recorded_with_its_source_and_error_codes(tmp_path):
    failed = {
        "source": {"path": "reports/locked.pdf", "sha256": "ab" * 32, "media_type": "application/pdf", "size": 9},
        "text": "",
        "cells": [],
        "errors": [{"code": "pdf_encrypted", "message": "the PDF is encrypted"}],
    }
    path = write_jsonl(tmp_path / "records.jsonl", [make_record(seed=6), failed])
    db = tmp_path / "archive.db"
    assert load([path], db).issues == 1
    [(code, source, errors, message)] = query(db, "SELECT code, source, errors, message FROM load_issues")
    assert (code, source) == ("bad_record", "reports/locked.pdf")
    assert json.loads(errors) == [{"code": "pdf_encrypted", "message": "the PDF is encrypted"}]
    assert "pdf_encrypted: the PDF is encrypted" in message


def test_an_archive_built_before_new_columns_gains_them_on_load(tmp_path):
    db = tmp_path / "archive.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE load_issues (id INTEGER PRIMARY KEY, file TEXT, line INTEGER, code TEXT, message TEXT)")
    conn.commit()
    conn.close()
    load([write_jsonl(tmp_path / "records.jsonl", [], ('{"title": "no text"}',))], db)
    assert query(db, "SELECT line, code, source, errors FROM load_issues") == [(1, "bad_record", None, None)]


def test_identity_checks_are_stored_with_their_numbers_and_failures_counted(archive_db):
    failed = query(
        archive_db,
        "SELECT c.rule, c.lhs - c.rhs, c.difference, r.checks_failed "
        "FROM checks c JOIN reports r ON r.id = c.report_id "
        "WHERE c.holds = 0 AND c.source = 'extract'",
    )
    assert failed, "the 2019 record breaks H1 and H3"
    assert {row[0] for row in failed} == {"H1", "H3"}
    assert all(row[1] == row[2] == 1 for row in failed)
    assert query(archive_db, "SELECT checks_failed FROM reports WHERE template = '2019'") == [(2,)]


def _chain(carry_ok: bool) -> list[dict]:
    first = make_record(body="三门峡市教育局", year=2022, seed=1)
    second = make_record(body="三门峡市教育局", year=2023, seed=2)
    forward = {c["col"]: c["value"] for c in first["cells"] if c["row"].startswith("四、结转下年度")}
    for cell in second["cells"]:
        if cell["row"].startswith("二、上年结转"):
            cell["value"] = forward[cell["col"]] + (0 if carry_ok else 1)
    return [first, second]


@pytest.mark.parametrize("carry_ok", [True, False])
def test_cross_year_carry_over_is_checked_and_flagged_never_corrected(tmp_path, carry_ok):
    records = _chain(carry_ok)
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "chain.jsonl", records)], db)
    s1 = query(db, "SELECT holds, lhs, rhs FROM checks WHERE rule = 'S1' ORDER BY over")
    assert len(s1) == 7
    assert all(holds == int(carry_ok) for holds, _, _ in s1)
    values = query(
        db,
        "SELECT c.value FROM cells c JOIN labels l ON l.id = c.label_id JOIN reports r ON r.id = c.report_id "
        "WHERE r.year = 2023 AND l.row_key = 'carried_over' ORDER BY l.id",
    )
    expected = [c["value"] for c in records[1]["cells"] if c["row"].startswith("二、上年结转")]
    assert [v for (v,) in values] == expected
    assert query(db, "SELECT cross_year_failed FROM reports WHERE year = 2023")[0][0] >= (0 if carry_ok else 7)


def test_cross_year_checks_appear_when_the_earlier_year_arrives_later(tmp_path):
    first, second = _chain(True)
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "later.jsonl", [second])], db)
    assert query(db, "SELECT count(*) FROM checks WHERE rule = 'S1'") == [(0,)]
    load([write_jsonl(tmp_path / "earlier.jsonl", [first])], db)
    assert query(db, "SELECT count(*), sum(holds) FROM checks WHERE rule = 'S1'") == [(7, 7)]


def test_a_silently_replaced_report_is_a_second_version(archive_db):
    rows = query(
        archive_db,
        "SELECT id, version, versions, is_latest, previous_id, published FROM reports "
        "WHERE year = 2023 AND body = '三门峡市财政局' AND template = '2021' AND published IS NOT NULL "
        "ORDER BY version",
    )
    assert [(r[1], r[2], r[3]) for r in rows] == [(1, 2, 0), (2, 2, 1)]
    assert rows[1][4] == rows[0][0]
    assert rows[1][5] == "2024-03-02"


def test_late_publication_is_measured_against_the_legal_deadline(archive_db):
    rows = dict(
        query(
            archive_db,
            "SELECT published, days_late FROM reports WHERE body = '三门峡市财政局' AND published IS NOT NULL",
        )
    )
    assert rows["2024-03-02"] == 31  # a department: 31 January 2024
    assert rows["2024-01-20"] == 0
    assert query(archive_db, "SELECT deadline, days_late FROM reports WHERE body = '郑州市人民政府'") == [(None, None)]


def test_uncertain_cells_are_kept_and_flagged(tmp_path):
    db = tmp_path / "archive.db"
    load([write_jsonl(tmp_path / "u.jsonl", [make_record(seed=9, uncertain=3)])], db)
    assert query(db, "SELECT count(*) FROM cells WHERE uncertain = 1") == [(3,)]
    assert query(db, "SELECT n_uncertain FROM reports") == [(3,)]
    assert query(db, "SELECT uncertain_cells FROM t2021_art20") == [(3,)]


def test_wide_tables_hold_the_same_values_as_the_long_cells(archive_db):
    mismatches = 0
    for name, labels in wide_tables().items():
        for label in labels:
            mismatches += query(
                archive_db,
                f'SELECT count(*) FROM "{name}" w JOIN cells c ON c.report_id = w.report_id AND c.label_id = ? '
                f'WHERE c.value IS NOT w."{label.wide_column}"',
                (label.id,),
            )[0][0]
    assert mismatches == 0
    assert query(archive_db, "SELECT count(*) FROM t2021_applications") == query(
        archive_db, "SELECT count(DISTINCT report_id) FROM cells WHERE label_id BETWEEN 2021000 AND 2021999"
    )


def test_a_legacy_report_keeps_its_text_without_cells(archive_db):
    assert query(archive_db, "SELECT n_cells, text_chars > 100, format FROM reports WHERE body = '郑州市人民政府'") == [
        (0, 1, "pdf")
    ]


def test_the_load_command_reports_what_it_wrote(tmp_path, records_file):
    db = tmp_path / "cli.db"
    runner = CliRunner()
    first = runner.invoke(load_command, [str(records_file), "--db", str(db)])
    second = runner.invoke(load_command, [str(records_file), "--db", str(db)])
    assert first.exit_code == second.exit_code == 0, first.output
    assert json.loads(first.stdout.strip().splitlines()[-1])["written"] == len(corpus())
    assert json.loads(second.stdout.strip().splitlines()[-1])["unchanged"] == len(corpus())


def _versions_and_duplicates() -> list[dict]:
    """The corpus, a changed copy of one of its records (same source bytes, newer extractor) and a new record:
    every path of the loader (new, changed, superseded within one input) in one file."""
    records = corpus()
    changed = json.loads(json.dumps(records[0]))
    changed["extractor_version"] = "0.2.0"
    changed["cells"][0]["value"] = 999
    return [*records, changed, make_record(body="三门峡市财政局", year=2023, seed=7)]


def test_worker_processes_build_the_same_archive_as_one_process(tmp_path):
    path = write_jsonl(tmp_path / "records.jsonl", _versions_and_duplicates())
    alone = load([path], tmp_path / "alone.db", batch_size=3, workers=0)
    shared = load([path], tmp_path / "shared.db", batch_size=3, workers=2)
    assert shared.as_dict() == alone.as_dict()
    assert dump(tmp_path / "shared.db") == dump(tmp_path / "alone.db")  # rows, and every index (built at the end)
    again = load([path], tmp_path / "shared.db", workers=2)
    assert again.written == 0 and dump(tmp_path / "shared.db") == dump(tmp_path / "alone.db")


def test_worker_processes_reload_a_crawl_without_writing_anything(tmp_path):
    raw = tmp_path / "raw"
    info = make_raw_store(raw)
    record = stored_pdf_record(info)
    path = write_jsonl(tmp_path / "r.jsonl", [record, *corpus()])
    db = tmp_path / "archive.db"
    load([path], db, raw_dir=raw, workers=2)
    before = dump(db)
    again = load([path], db, raw_dir=raw, workers=2)
    assert (again.written, again.unchanged) == (0, len(corpus()) + 1)
    assert dump(db) == before
    assert query(db, "SELECT archived FROM reports WHERE sha256 = ?", (info["pdf_sha"],)) == [
        (f"/-/archived/{info['pdf_sha']}",)
    ]


def test_a_killed_large_load_leaves_its_deferred_indexes_to_the_next_load(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "records.jsonl", _versions_and_duplicates())
    db = tmp_path / "archive.db"
    original = Loader.recompute
    calls = {"n": 0}

    def crash_in_second_batch(self, touched):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash")
        return original(self, touched)

    monkeypatch.setattr(Loader, "recompute", crash_in_second_batch)
    with pytest.raises(RuntimeError):
        load([path], db, batch_size=3, workers=2)
    assert query(db, "SELECT count(*) FROM reports") == [(3,)]  # the first batch, committed
    monkeypatch.setattr(Loader, "recompute", original)
    load([path], db, batch_size=3, workers=2)
    load([path], tmp_path / "whole.db", batch_size=3, workers=0)
    assert dump(db) == dump(tmp_path / "whole.db")


def _bigram_tokens(text: str) -> list[str]:
    """The index's definition, written the slow way: runs of Chinese characters as overlapping bigrams plus the
    run's last character, every other letter or digit alone (after NFKC and joining Chinese across white space)."""
    tokens = []
    for i, part in enumerate(_runs(text)):
        tokens += _bigrams(part, True) if i % 2 else _CHAR.findall(part)
    return tokens


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="行政复议费公開a1_ Ｂ２\n\t，。（）é\u0301𠀀豈ｶ", max_size=40))
def test_the_loader_indexes_each_text_as_its_bigram_tokens_in_order(text):
    assert index_text(text).split() == _bigram_tokens(text)


def test_a_new_archive_has_16k_pages_and_ends_in_rollback_journal_mode(tmp_path, records_file):
    db = tmp_path / "archive.db"
    load([records_file], db)
    assert query(db, "PRAGMA page_size") == [(16384,)]
    assert query(db, "PRAGMA journal_mode") == [("delete",)]  # Datasette opens it immutable
