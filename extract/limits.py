"""Limits on what a reader will take on, as settings with sane defaults.

A portal can serve anything: a 600 MB scan, a 40 kB "DOCX" that inflates to 4 GB, a spreadsheet that makes
LibreOffice spin forever. Every reader checks these limits before doing the expensive thing and fails with a
clear error code instead. Defaults suit annual reports (a few pages, rarely over 20 MB); each can be
overridden by an environment variable (`GOVREPORTS_MAX_FILE_MB` ...) or by the CLI through `Limits.replace`.

The ruled-table fallback for PDFs (extract/table_fallback.py, pdfplumber, ~50 ms a page) has limits of its
own: it reads at most `table_fallback_pages` pages (those whose text names the statistics tables) and stops
after `table_fallback_seconds`; either cut is recorded as a `table_fallback_limit` warning.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

MB = 1024 * 1024

ENV_VARS = {
    "max_file_bytes": ("GOVREPORTS_MAX_FILE_MB", MB),
    "max_pages": ("GOVREPORTS_MAX_PAGES", 1),
    "max_decompressed_bytes": ("GOVREPORTS_MAX_DECOMPRESSED_MB", MB),
    "max_compression_ratio": ("GOVREPORTS_MAX_COMPRESSION_RATIO", 1),
    "conversion_timeout": ("GOVREPORTS_CONVERSION_TIMEOUT", 1),
    "table_fallback_pages": ("GOVREPORTS_TABLE_FALLBACK_PAGES", 1),
    "table_fallback_seconds": ("GOVREPORTS_TABLE_FALLBACK_SECONDS", 1),
}


@dataclass(frozen=True)
class Limits:
    """What one input may cost. Sizes in bytes, time in seconds."""

    max_file_bytes: int = 200 * MB
    max_pages: int = 500
    max_decompressed_bytes: int = 300 * MB
    max_compression_ratio: int = 200
    conversion_timeout: float = 120.0
    table_fallback_pages: int = 12
    table_fallback_seconds: float = 20.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, overridden by any GOVREPORTS_* variable set (MB for sizes, seconds for time)."""
        environ = os.environ if environ is None else environ
        overrides = {}
        for name, (var, scale) in ENV_VARS.items():
            raw = environ.get(var)
            if raw is None or not raw.strip():
                continue
            try:
                number = float(raw)
            except ValueError as exc:
                raise ValueError(f"{var}={raw!r} is not a number") from exc
            if number <= 0:
                raise ValueError(f"{var}={raw!r} must be positive")
            field_type = type(getattr(cls, name))
            overrides[name] = field_type(number * scale)
        return cls(**overrides)

    def replace(self, **changes: float | None) -> Limits:
        """A copy with the given limits changed; `None` values (an unset CLI option) are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
