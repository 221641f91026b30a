"""Helpers every table-reading reader shares: joining the text fragments of one cell, and the ZIP guard."""

from __future__ import annotations

import io
import re
import zipfile

from extract.errors import ReadError
from extract.limits import Limits

CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
SPACES = re.compile(r"[ \t\u00a0\u3000\u2002\u2003\u200b\ufeff]+")
CJK_BOUNDARY = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


def join_fragments(fragments: list[str]) -> str:
    """One cell's text from its pieces (paragraphs, `<br>`-separated lines, spans).

    A label wrapped inside a cell ("结果<br>维持", two Word paragraphs "社会" / "公益组织") is one word:
    pieces are joined without a space where both sides are CJK, with one space otherwise.
    """
    pieces = [SPACES.sub(" ", fragment).strip() for fragment in fragments]
    text = " ".join(piece for piece in pieces if piece)
    return CJK_BOUNDARY.sub("", text)


def drop_covered_columns(
    grid: list[list[str]], starts: list[list[bool]], slivers: frozenset[int] = frozenset()
) -> list[list[str]]:
    """Remove grid columns in which no cell starts (every row there continues a cell from the left) and
    `slivers`, columns a hair wide.

    Word and HTML tables carry such columns when column edges do not line up across rows (a DOC saved by
    another editor often has a 1-twip column); keeping them would show a merged cell's text twice in a row.
    `starts[r][c]` says whether a cell begins at grid position (r, c).
    """
    width = max((len(row) for row in grid), default=0)
    keep = [
        c for c in range(width)
        if c == 0 or (c not in slivers and any(c < len(row) and row[c] for row in starts))
    ]  # fmt: skip
    return [[row[c] for c in keep if c < len(row)] for row in grid]


def check_zip(data: bytes, limits: Limits, what: str) -> None:
    """Refuse a ZIP container (DOCX, XLSX) that would inflate beyond the limits, before inflating anything.

    The sizes come from the central directory, so a bomb is caught without decompressing it. A directory
    that understates a member's size does not help a bomb: Python's zipfile (under python-docx and
    openpyxl) never inflates a member beyond its declared size, and fails the CRC check instead.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ReadError("zip_corrupt", f"{what}: the ZIP container is damaged or truncated ({exc})") from exc
    total = sum(info.file_size for info in infos)
    if total > limits.max_decompressed_bytes:
        raise ReadError(
            "zip_bomb", f"{what}: inflates to {total} bytes, over the limit of {limits.max_decompressed_bytes}"
        )
    compressed = max(1, sum(info.compress_size for info in infos))
    if total > 1024 * 1024 and total / compressed > limits.max_compression_ratio:
        raise ReadError(
            "zip_bomb",
            f"{what}: compression ratio {total / compressed:.0f}:1 is over the limit of "
            f"{limits.max_compression_ratio}:1",
        )
