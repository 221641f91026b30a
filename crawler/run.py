"""Run the crawl in this process (what `govreports crawl` calls): the project settings from
crawler/settings.py — found without scrapy.cfg, so it works from any directory — plus overrides."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.health import run_report
from crawler.spiders.reports import ReportsSpider


def project_settings(out_dir: Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("OUT_DIR", str(out_dir), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(out_dir: Path, seeds: Path | None = None, urls: tuple[str, ...] = (),
              overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Crawl the seeds file or the ad-hoc URLs into `out_dir`; return a summary of the raw store."""
    # A JOBDIR per raw store, for clean pauses (Ctrl-C once, then the same command); after a kill the
    # capture index is the record of truth and crawler.resume discards it.
    overrides = {"JOBDIR": str(Path(out_dir) / "job"), **(overrides or {})}
    process = CrawlerProcess(project_settings(out_dir, overrides), install_root_handler=True)
    arguments = {"url": " ".join(urls)} if urls else {"seeds": str(seeds) if seeds else None}
    crawler = process.create_crawler(ReportsSpider)
    process.crawl(crawler, **arguments)
    process.start()
    return summarise(out_dir, crawler.stats.get_stats() if crawler.stats else {})


def summarise(out_dir: Path, stats: dict[str, Any]) -> dict[str, Any]:
    reports_file = Path(out_dir) / "reports.jsonl"
    lines = reports_file.read_text(encoding="utf-8").splitlines() if reports_file.exists() else []
    reports = [json.loads(line) for line in lines]
    return {
        "reports": len(reports),
        "attachments": sum(len(report["attachments"]) for report in reports),
        "by_portal": dict(Counter(report["portal"] for report in reports)),
        "requests": stats.get("downloader/request_count", 0),
        "finish_reason": stats.get("finish_reason"),
        "reports_file": str(reports_file),
        "run": run_report(Path(out_dir)),  # mode, per-portal health ledger, alerts, slowed/skipped hosts
    }
