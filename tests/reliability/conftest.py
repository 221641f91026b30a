"""The demo portal without its scan (OCR would make every run a minute longer), served from this process
on a fixed free port for the whole session, and an uninterrupted `govreports run` of it to compare with."""

from __future__ import annotations

import json

import pytest

from govreports.demo.server import serve_demo_portal
from govreports.demo.site import DEMO_REPORTS, build_site
from tests.e2e.helpers import govreports

FAST_REPORTS = tuple(report for report in DEMO_REPORTS if report.form != "scan")


@pytest.fixture(scope="session")
def portal(tmp_path_factory):
    pages = build_site(tmp_path_factory.mktemp("portal-cache"), FAST_REPORTS)
    with serve_demo_portal(pages) as served:
        yield served


def run_args(portal, out) -> list[str]:
    return ["run", "--url", f"{portal.base_url}/", "--out", str(out), "--set", "AUTOTHROTTLE_START_DELAY=0.05"]


@pytest.fixture(scope="session")
def baseline(portal, tmp_path_factory):
    """An uninterrupted run: its output directory."""
    out = tmp_path_factory.mktemp("baseline")
    done = govreports(*run_args(portal, out), "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    assert [stage["ran"] for stage in json.loads(done.stdout)["stages"]] == [True] * 4
    return out
