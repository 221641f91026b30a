"""Plain text: decoded by content (BOM, then strict UTF-8, then charset-normalizer; GB labels as GB18030).

Text files reach us as exports of other formats: DOCX saved as text (tab-separated table rows) and
text pulled out of PDFs (hard-wrapped lines, tables one token per line). Both stay lines here; the
table parser reads the tables out of them.
"""

from __future__ import annotations

from extract.detect import TEXT, decode
from extract.document import Document, Line
from extract.errors import ReadError
from extract.limits import Limits


def read_text(data: bytes, limits: Limits | None = None, declared_charset: str | None = None) -> Document:
    """A text file as lines, in its detected encoding."""
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise ReadError("too_large", f"{len(data)} bytes, over the limit of {limits.max_file_bytes}")
    decoded = decode(data, declared_charset)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise ReadError("empty", "the text file holds only whitespace")
    lines = [Line(line) for line in text.split("\n")]
    document = Document(media_type=TEXT, method="text", lines=lines, encoding=decoded.codec)
    if decoded.codec != "utf-8":
        document.warnings.append(f"text decoded as {decoded.codec}")
    return document
