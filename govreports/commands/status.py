"""`govreports status`: what the raw store and the archive of an output directory hold, what failed, what is
new since the last run, and which stages are out of date."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import click

from crawler.health import run_report
from govreports.commands.run import output_options
from govreports.pipeline import Layout, new_reports
from govreports.ui import Output


def _query(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []


def stage_status(layout: Layout) -> list[dict[str, Any]]:
    """Each stage: when it last finished, and whether its input has changed since (it would run again)."""
    state = layout.state()
    current = {"extract": layout.extract_input(), "load": layout.load_input(),
               "publish": state.get("load", {}).get("input")}
    rows = []
    for stage in ("crawl", "extract", "load", "publish"):
        done = state.get(stage)
        if not done:
            rows.append({"stage": stage, "finished_at": None, "up_to_date": False, "figures": {}})
            continue
        up_to_date = stage == "crawl" or done.get("input") == current[stage]
        rows.append({"stage": stage, "finished_at": done.get("finished_at"), "up_to_date": up_to_date,
                     "figures": {k: v for k, v in done.get("figures", {}).items() if k != "new_reports"}})
    return rows


def raw_status(layout: Layout) -> dict[str, Any]:
    captures = layout.raw / "captures.db"
    return {
        "captures_by_outcome": dict(_query(captures, "SELECT outcome, count(*) FROM captures GROUP BY 1 "
                                                     "ORDER BY 2 DESC")),
        "runs": [dict(zip(("id", "started_at", "finished_at"), row, strict=True))
                 for row in _query(captures, "SELECT id, started_at, finished_at FROM runs ORDER BY id")],
        "failed_fetches": [dict(zip(("url", "outcome", "reason"), row, strict=True)) for row in _query(
            captures, "SELECT url, outcome, reason FROM captures WHERE outcome NOT IN ('ok', 'redirect', 'excluded') "
                      "AND id IN (SELECT max(id) FROM captures GROUP BY url) ORDER BY url")],
        "reports": len(_query(captures, "SELECT page_url FROM reports")),
        "new_in_last_run": new_reports(layout.raw),
        "last_crawl": {k: v for k, v in run_report(layout.raw).items() if k != "portals"},
    }


def records_status(layout: Layout) -> dict[str, Any]:
    if not layout.records.exists():
        return {"records": 0, "failed": []}
    failed, total = [], 0
    with layout.records.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            total += 1
            record = json.loads(line)
            for error in record.get("errors") or []:
                failed.append({"report": record.get("title") or record.get("listing_title") or record.get("page_url")
                                         or record["source"],
                               "page_url": record.get("page_url"), "code": error.get("code"),
                               "reason": error.get("message")})
    return {"records": total, "failed": failed}


def archive_status(layout: Layout) -> dict[str, Any]:
    counts = {}
    for table in ("reports", "cells", "checks", "load_issues", "captures", "documents"):
        rows = _query(layout.db, f"SELECT count(*) FROM {table}")
        counts[table] = rows[0][0] if rows else 0
    failed_checks = _query(layout.db, "SELECT count(*) FROM checks WHERE holds = 0")
    counts["checks_failed"] = failed_checks[0][0] if failed_checks else 0
    counts["issues"] = [dict(zip(("file", "line", "code", "message"), row, strict=True))
                        for row in _query(layout.db, "SELECT file, line, code, message FROM load_issues ORDER BY line")]
    return counts


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="An output directory of `govreports run` or `govreports demo`.")
@output_options
def status(out: Path, quiet: bool, as_json: bool) -> None:
    """What OUT's raw store and archive hold, what failed and why, what is new since the last run."""
    layout = Layout(out)
    report = {"out": str(out), "stages": stage_status(layout), "raw_store": raw_status(layout),
              "records": records_status(layout), "archive": archive_status(layout)}
    output = Output.from_flags(quiet, as_json)
    output.emit_json(report)
    if not output.chatty:
        return
    output.table(f"stages of {out}", ["stage", "finished", "up to date", "result"],
                 [[s["stage"], s["finished_at"] or "never", "yes" if s["up_to_date"] else "no — would run",
                   ", ".join(f"{k} {v}" for k, v in s["figures"].items() if not isinstance(v, dict | list))]
                  for s in report["stages"]])
    raw = report["raw_store"]
    output.table("raw store", ["what", "count"],
                 [["reports found", raw["reports"]], ["crawl runs", len(raw["runs"])],
                  *[[f"captures: {outcome}", n] for outcome, n in raw["captures_by_outcome"].items()],
                  ["records extracted", report["records"]["records"]],
                  *[[f"archive: {table}", n] for table, n in report["archive"].items() if table != "issues"]])
    if raw["last_crawl"].get("alerts"):
        output.table("alerts of the last crawl", ["portal", "alert"],
                     [[a["portal"], a["alert"]] for a in raw["last_crawl"]["alerts"]])
    if raw["failed_fetches"]:
        output.table("fetches that failed", ["url", "outcome", "reason"],
                     [[f["url"], f["outcome"], f["reason"]] for f in raw["failed_fetches"]])
    if report["records"]["failed"]:
        output.table("reports that could not be extracted", ["report", "error", "reason"],
                     [[f["report"], f["code"], f["reason"]] for f in report["records"]["failed"]])
    output.table("new in the last crawl", ["report", "page"],
                 [[n["title"], n["page_url"]] for n in raw["new_in_last_run"]] or [["(none)", ""]])
