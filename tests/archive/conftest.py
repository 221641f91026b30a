"""Fixtures for the archive tests: generated records in JSON lines, and an archive loaded from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.load import load
from tests.archive.corpus import corpus, write_jsonl


@pytest.fixture
def records_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "records.jsonl", corpus())


@pytest.fixture
def archive_db(tmp_path: Path, records_file: Path) -> Path:
    db = tmp_path / "archive.db"
    load([records_file], db)
    return db
