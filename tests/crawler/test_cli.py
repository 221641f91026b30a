"""`govreports crawl` wraps the Scrapy crawl, from any directory, with the project's default settings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.portal.server import serve_portal


def test_govreports_crawl_with_default_settings_from_another_directory(tmp_path):
    govreports = shutil.which("govreports", path=str(Path(sys.executable).parent))
    assert govreports
    with serve_portal(huge_size=200_000) as portal:
        result = subprocess.run(
            [govreports, "crawl", "--url", f"{portal.base_url}/", "--out", str(tmp_path / "store")],
            cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["reports"] == 10 and summary["finish_reason"] == "finished"
    assert summary["by_portal"] == {"127.0.0.1": 10}
    assert (tmp_path / "store" / "captures.db").exists() and list((tmp_path / "store" / "warc").glob("*.warc.gz"))


def test_crawl_without_seeds_or_urls_says_what_is_missing(tmp_path):
    govreports = shutil.which("govreports", path=str(Path(sys.executable).parent))
    result = subprocess.run([govreports, "crawl", "--out", str(tmp_path)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "seeds/portals.csv does not exist" in result.stderr
