"""End to end: the embedded demo portal → crawl → extract → load → publish → Datasette's JSON API.

`govreports demo --no-serve` runs once for the module (about 1.5 minutes, most of it OCR of the scan);
the archive is then served with `govreports serve` and read back over HTTP as a user's script would.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from govreports.demo.site import DEMO_REPORTS
from tests.e2e.helpers import (
    archive_contents,
    cell_key,
    free_port,
    get_json,
    govreports,
    read_records,
    served,
    sql,
)

EXPECTED = Path(__file__).resolve().parents[1] / "fixtures" / "expected"
GOOD = [report for report in DEMO_REPORTS if report.readable]
BAD = [report for report in DEMO_REPORTS if not report.readable]
TEXT_LAYER = [report for report in GOOD if report.form != "scan"]


def demo(out: Path, portal_port: int) -> dict:
    done = govreports("demo", "--no-serve", "--json", "--out", str(out), "--portal-port", str(portal_port))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    port = free_port()
    return out, port, demo(out, port)


@pytest.fixture(scope="module")
def api(demo_run):
    out, _, _ = demo_run
    with served(out / "archive.db", out / "raw") as base:
        yield base


def by_report(records: list[dict]) -> dict[str, dict]:
    """Records by the demo report key their page URL (or direct file URL) ends with."""
    keyed = {}
    for report in DEMO_REPORTS:
        matches = [r for r in records if report.key in (r.get("page_url") or "")]
        assert len(matches) == 1, f"{report.key}: {len(matches)} records"
        keyed[report.key] = matches[0]
    return keyed


def test_every_stage_ran_on_the_first_demo(demo_run):
    _, _, summary = demo_run
    assert [(stage["stage"], stage["ran"]) for stage in summary["stages"]] == [
        ("crawl", True), ("extract", True), ("load", True), ("publish", True)]
    crawl = summary["stages"][0]["figures"]
    assert crawl["reports"] == len(DEMO_REPORTS)


def test_every_good_report_is_served_with_all_its_cells(demo_run, api):
    out, _, _ = demo_run
    records = by_report(read_records(out / "records.jsonl"))
    served_reports = {row["page_url"]: row for row in sql(api, "archive", "SELECT id, page_url, title, n_cells "
                                                                           "FROM reports")}
    assert len(served_reports) == len(GOOD)
    for report in GOOD:
        record = records[report.key]
        row = served_reports[record["page_url"]]
        cells = sql(api, "archive", "SELECT l.table_name, l.row_label, l.col_label, c.value FROM cells c "
                                    f"JOIN labels l ON l.id = c.label_id WHERE c.report_id = {row['id']}")
        archived = {(c["table_name"], c["row_label"], c["col_label"]): Decimal(str(c["value"])) for c in cells}
        extracted = {cell_key(c): Decimal(str(c["value"])) for c in record["cells"]}
        assert archived == extracted, report.key
        assert row["n_cells"] == len(record["cells"])


@pytest.mark.parametrize("report", TEXT_LAYER, ids=[f"{r.key}-{r.form}" for r in TEXT_LAYER])
def test_text_layer_reports_carry_every_cell_of_their_sample(demo_run, report):
    out, _, _ = demo_run
    record = by_report(read_records(out / "records.jsonl"))[report.key]
    expected = json.loads((EXPECTED / f"{report.sample}.json").read_text(encoding="utf-8"))["cells"]
    assert {cell_key(c): c["value"] for c in record["cells"]} == {cell_key(c): c["value"] for c in expected}


def test_the_scan_is_read_by_ocr_and_archived(demo_run, api):
    out, _, _ = demo_run
    scan = next(report for report in GOOD if report.form == "scan")
    record = by_report(read_records(out / "records.jsonl"))[scan.key]
    assert record["ocr"] is True and record["method"] == "ocr"
    rows = sql(api, "archive", f"SELECT ocr, year, title FROM reports WHERE page_url = '{record['page_url']}'")
    assert rows == [{"ocr": 1, "year": scan.year, "title": record["title"]}]


def test_every_bad_file_is_recorded_as_an_error_with_its_reason(demo_run, api):
    out, _, _ = demo_run
    records = by_report(read_records(out / "records.jsonl"))
    for report in BAD:
        errors = records[report.key]["errors"]
        assert errors and all(error["code"] and error["message"] for error in errors), report.key
    issues = sql(api, "archive", "SELECT code, message FROM load_issues")
    assert len(issues) == len(BAD)


def test_search_finds_the_reports_through_the_api(api):
    rows = get_json(api, "/archive/reports.json", _search="示范市教育局", _shape="array")
    assert [row["title"] for row in rows] == ["示范市教育局2022年政府信息公开工作年度报告"]
    rows = get_json(api, "/archive/reports.json", _search="依申请公开", _shape="array", _col="title")
    assert len(rows) >= len(TEXT_LAYER)


def test_a_second_demo_skips_every_stage_and_changes_nothing(demo_run):
    out, port, _ = demo_run
    before = archive_contents(out / "archive.db")
    summary = demo(out, port)
    assert [(stage["stage"], stage["ran"]) for stage in summary["stages"]] == [
        ("crawl", False), ("extract", False), ("load", False), ("publish", False)]
    assert archive_contents(out / "archive.db") == before


def test_status_names_the_failures_and_the_new_reports(demo_run):
    out, _, _ = demo_run
    done = govreports("status", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["archive"]["reports"] == len(GOOD)
    assert len(status["records"]["failed"]) == len(BAD)
    assert all(failure["reason"] for failure in status["records"]["failed"])
    assert len(status["raw_store"]["new_in_last_run"]) == len(DEMO_REPORTS)
    outcomes = status["raw_store"]["captures_by_outcome"]
    assert outcomes["not_found"] >= 1 and outcomes["blocked_ruishu"] >= 1
    assert all(stage["up_to_date"] for stage in status["stages"])


def test_demo_port_in_use_is_a_sentence_not_a_traceback(demo_run, tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", free_port()))
        busy.listen()
        done = govreports("demo", "--no-serve", "--out", str(demo_run[0]), "--portal-port",
                          str(busy.getsockname()[1]))
    assert done.returncode == 1
    assert "give --portal-port with a free port" in done.stderr
    assert "Traceback" not in done.stderr
