"""SIGKILL during the crawl, the extraction and the loading; then the same command again: the archive is
identical to an uninterrupted run's (every compared table, row by row), nothing duplicated, nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.helpers import ROOT, archive_contents, child_env, govreports, read_records
from tests.reliability.conftest import FAST_REPORTS, run_args

KILLER = Path(__file__).with_name("killer.py")
KILL_POINTS = {
    # the 8th capture written: listing pages and some reports fetched, others not
    "crawl": ("crawler.store.index:CaptureIndex.add_capture", 8),
    # the 4th report finished (its files read with the rest of its chunk): three records on disk, the rest not
    "extract": ("extract.rawstore:finish_report", 4),
    # the 4th record written into the archive, inside a loading transaction
    "load": ("archive.load:Loader.write", 4),
}


def killed_run(target: str, on_call: int, args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(KILLER), target, str(on_call), "--", *args], capture_output=True,
                          text=True, timeout=600, cwd=ROOT, env=child_env())


@pytest.mark.parametrize("stage", list(KILL_POINTS))
def test_killed_run_then_same_command_gives_the_uninterrupted_archive(stage, portal, baseline, tmp_path):
    out = tmp_path / "out"
    args = run_args(portal, out)
    killed = killed_run(*KILL_POINTS[stage], args)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    again = govreports(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert archive_contents(out / "archive.db") == archive_contents(baseline / "archive.db")
    records = read_records(out / "records.jsonl")
    assert len(records) == len(FAST_REPORTS)
    assert len({record["page_url"] for record in records}) == len(FAST_REPORTS)


def test_extraction_resumes_after_the_records_already_written(portal, tmp_path):
    out = tmp_path / "out"
    args = run_args(portal, out)
    killed = killed_run("extract.rawstore:finish_report", 4, args)
    assert killed.returncode == -signal.SIGKILL
    assert len(read_records(out / "records.jsonl.part")) == 3
    again = govreports(*args, "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    stages = {stage["stage"]: stage for stage in json.loads(again.stdout)["stages"]}
    assert stages["crawl"]["ran"] is False  # the crawl had finished before the kill
    assert stages["extract"]["figures"]["resumed_after"] == 3
    assert not (out / "records.jsonl.part").exists()
