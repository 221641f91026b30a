"""Content-addressed file store: `files/<sha256[:2]>/<sha256>.<ext>`; the same bytes are stored once."""

from __future__ import annotations

import os
from pathlib import Path


class FileStore:
    """Stores bytes under their sha256; writes are atomic (temporary file + rename)."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self._present: set[str] = set()  # digests known to be stored: no stat per repeated document
        self._directories: set[Path] = set()

    def relative_path(self, sha256: str, extension: str) -> str:
        """Where the bytes with this digest live, relative to the raw store root."""
        return f"files/{sha256[:2]}/{sha256}.{extension}"

    def put(self, sha256: str, extension: str, body: bytes) -> str:
        """Store `body` (whose digest is `sha256`) unless present; return its relative path."""
        relative = self.relative_path(sha256, extension)
        if relative in self._present:
            return relative
        target = self.out_dir / relative
        if target.parent not in self._directories:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._directories.add(target.parent)
        if not target.exists():
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_bytes(body)
            os.replace(temporary, target)
        self._present.add(relative)
        return relative
