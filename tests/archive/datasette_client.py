"""Helpers to query an archive through Datasette's own test client (the same app `govreports serve` runs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from archive.publication import make_datasette


class Client:
    def __init__(self, db: Path, files_dir: Path | None = None):
        self.datasette = make_datasette(db, files_dir=files_dir)
        self.name = db.stem

    def get(self, path: str):
        return asyncio.run(self.datasette.client.get(path.replace("{db}", self.name)))

    def json(self, path: str) -> dict:
        response = self.get(path)
        assert response.status_code == 200, response.text[:2000]
        return response.json()
