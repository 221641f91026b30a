"""Content-addressed file store: `files/<sha256[:2]>/<sha256>.<ext>`; the same bytes are stored once."""

from __future__ import annotations

import os
from pathlib import Path


class FileStore:
    """Stores bytes under their sha256; writes are atomic (temporary file + rename)."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)

    def relative_path(self, sha256: str, extension: str) -> str:
        """Where the bytes with this digest live, relative to the raw store root."""
        return f"files/{sha256[:2]}/{sha256}.{extension}"

    def put(self, sha256: str, extension: str, body: bytes) -> str:
        """Store `body` (whose digest is `sha256`) unless present; return its relative path."""
        relative = self.relative_path(sha256, extension)
        target = self.out_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_bytes(body)
            os.replace(temporary, target)
        return relative
