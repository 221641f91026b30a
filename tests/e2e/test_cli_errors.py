"""The command's errors are sentences that say what to do: no traceback reaches the user."""

from __future__ import annotations

import errno
import json

from click.testing import CliRunner

from govreports import pipeline
from govreports.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_run_without_a_crawl_says_which_command_makes_one(tmp_path):
    result = invoke("run", "--skip-crawl", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "holds no crawl yet" in result.output and "govreports run" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_archive_is_explained(tmp_path):
    (tmp_path / "archive.db").write_bytes(b"this is not a database" * 100)
    result = invoke("status", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "A database could not be read or written" in result.output and "move it aside" in result.output


def test_an_unexpected_error_names_itself_and_how_to_see_the_traceback(tmp_path, monkeypatch):
    def broken(self, force=False):
        raise ValueError("something nobody expected")

    monkeypatch.setattr(pipeline.Pipeline, "extract", broken)
    result = invoke("run", "--skip-crawl", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "Unexpected error: ValueError: something nobody expected" in result.output
    assert "GOVREPORTS_DEBUG=1" in result.output


def test_interrupt_says_how_to_resume(tmp_path, monkeypatch):
    def interrupted(self, force=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.Pipeline, "extract", interrupted)
    result = invoke("run", "--skip-crawl", "--out", str(tmp_path))
    assert result.exit_code == 130
    assert "Run the same command again to continue" in result.output


def test_a_full_disk_during_a_stage_is_explained(tmp_path, monkeypatch):
    def full(self, force=False):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "records.jsonl.part"))

    monkeypatch.setattr(pipeline.Pipeline, "extract", full)
    result = invoke("run", "--skip-crawl", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "The disk is full (No space left on device)" in result.output
    assert "records.jsonl.part" in result.output and "run the same command again" in result.output


def test_json_mode_prints_only_json(tmp_path):
    result = CliRunner().invoke(cli, ["status", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["archive"]["reports"] == 0 and status["records"]["records"] == 0
    assert [stage["finished_at"] for stage in status["stages"]] == [None] * 4


def test_an_unreachable_portal_is_an_alert_without_tracebacks(tmp_path):
    from tests.e2e.helpers import free_port, govreports

    closed = free_port()  # nothing listens there: every connection is refused
    done = govreports("run", "--url", f"http://127.0.0.1:{closed}/", "--out", str(tmp_path), "--only", "crawl",
                      "--set", "RETRY_TIMES=0")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "ConnectionRefusedError" in done.stderr and "ALERT" in done.stderr
