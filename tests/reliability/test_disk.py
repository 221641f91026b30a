"""A full disk and a read-only output directory: a sentence that says what to do, no traceback, and after
the cause is gone the same command finishes the archive as if nothing had happened.

As root the faults are real file systems (a tmpfs mounted in a private mount namespace with `unshare -m`:
small for ENOSPC, read-only for EROFS); otherwise the read-only case uses directory permissions."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest

from tests.e2e.helpers import GOVREPORTS, ROOT, archive_contents, child_env, govreports
from tests.reliability.conftest import run_args

CAN_MOUNT = os.geteuid() == 0 and shutil.which("unshare") is not None


def in_private_mount(script: str, **env: str) -> subprocess.CompletedProcess:
    """Run a shell script in its own mount namespace (mounts vanish with it)."""
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env={**child_env(), **env})


def command(*args: str) -> str:
    return shlex.join([*GOVREPORTS, *args])


@pytest.mark.skipif(not CAN_MOUNT, reason="a real full disk needs root to mount a small tmpfs")
def test_full_disk_mid_run_is_a_clear_error_and_the_same_command_finishes_later(portal, baseline, tmp_path):
    out = tmp_path / "small-disk"
    out.mkdir()
    args = run_args(portal, out)
    # Crawl onto the small disk, fill it up to the last block, then extract and load: ENOSPC mid-write.
    script = (f"mount -t tmpfs -o size=4m tmpfs {out} && {command(*args, '--only', 'crawl', '--quiet')} && "
              f"(dd if=/dev/zero of={out}/ballast bs=4k 2>/dev/null; true) && {command(*args)}")
    full = in_private_mount(script, GOVREPORTS_MIN_FREE_MB="0")
    assert full.returncode == 1, full.stderr[-3000:]
    assert "The disk is full (No space left on device)" in full.stderr, full.stderr[-3000:]
    assert "run the same command again" in full.stderr
    assert "Traceback" not in full.stderr
    # Same thing on a disk with room: every stage finishes, the archive is the uninterrupted run's.
    again = govreports(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert archive_contents(out / "archive.db") == archive_contents(baseline / "archive.db")


@pytest.mark.skipif(not CAN_MOUNT, reason="needs root to mount a small tmpfs")
def test_too_little_free_space_is_refused_before_a_stage_starts(portal, tmp_path):
    out = tmp_path / "tiny"
    out.mkdir()
    script = f"mount -t tmpfs -o size=1m tmpfs {out} && {command(*run_args(portal, out))}"
    refused = in_private_mount(script)
    assert refused.returncode == 1
    assert "The disk is full" in refused.stderr and "KiB free" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_read_only_output_directory_is_a_clear_error(portal, tmp_path):
    out = tmp_path / "read-only"
    out.mkdir()
    if CAN_MOUNT:
        done = in_private_mount(f"mount -t tmpfs -o ro tmpfs {out} && {command(*run_args(portal, out))}")
    else:
        out.chmod(0o555)
        done = govreports(*run_args(portal, out))
    assert done.returncode == 1
    assert "Cannot write to" in done.stderr and "writable --out" in done.stderr
    assert "Traceback" not in done.stderr


def test_output_path_that_is_a_file_is_a_clear_error(tmp_path):
    occupied = tmp_path / "occupied"
    occupied.write_text("not a directory")
    done = govreports("run", "--url", "http://127.0.0.1:9/", "--out", str(occupied / "sub"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"Could not use {occupied / 'sub'}" in done.stderr and "Not a directory" in done.stderr
