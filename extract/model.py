"""The report model: one JSON object per report, written by extract and read by the archive.

Field names are a contract (README "The report model"); this module is the one place that lays a
record out, so every path (a file, a raw-store report, a file that could not be read) writes the same
fields in the same order.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version

FIELDS = (
    "source", "representations", "page_url", "listing_title", "published", "portal",
    "title", "body", "year", "template", "scope", "extractor_version", "method", "ocr", "pages",
    "text", "sections", "cells", "checks", "warnings", "errors",
)  # fmt: skip


@cache
def extractor_version() -> str:
    """The installed govreports version (pyproject.toml), which every record carries."""
    try:
        return version("govreports")
    except PackageNotFoundError:
        return "0+unknown"


def source_of(data: bytes, media_type: str, **where: str) -> dict:
    """The `source` object: where the bytes came from (path as given, or url), their hash, type and size."""
    return {**where, "sha256": hashlib.sha256(data).hexdigest(), "media_type": media_type, "size": len(data)}


_FIELD_SET = frozenset(FIELDS)


def record(**fields) -> dict:
    """A record with every field of the model, in contract order; fields not given are null or empty."""
    if not _FIELD_SET.issuperset(fields):
        raise TypeError(f"not fields of the report model: {sorted(set(fields) - _FIELD_SET)}")
    out = dict.fromkeys(FIELDS)
    out["template"] = "unknown"
    out["scope"] = "unknown"
    out["extractor_version"] = extractor_version()
    out["ocr"] = False
    out["sections"], out["cells"], out["checks"], out["warnings"], out["errors"] = [], [], [], [], []
    out.update(fields)
    return out


def error_record(source: dict, errors: list[dict], **fields) -> dict:
    """The record of an input that could not be read: its source and why, nothing invented."""
    return record(source=source, errors=errors, **fields)
