"""Decode text responses right: any GB label (gb2312, gbk, gb18030, x-gbk...) as GB18030, its superset;
a declared charset otherwise; and, when nothing is declared, UTF-8 if the bytes are valid UTF-8, else
charset-normalizer's guess. The chosen codec is put in the request's meta (`codec`) for the capture index."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from scrapy.http import Response, TextResponse

from crawler.sniff import media_type

# Labels are read with our own patterns rather than w3lib's, which drop labels Python does not know
# (x-gbk, gb_2312-80) — exactly the GB labels portals write.
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([^\"';\s]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
TEXT_TYPES = frozenset({"text/html", "text/plain", "application/xml", "application/json"})
GB_LABELS = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "hz-gb-2312", "csgb2312"})


def normalise_codec(label: str | None) -> str | None:
    """The Python codec for a charset label, GB family folded into gb18030; None if unknown."""
    if not label:
        return None
    lowered = label.strip().lower()
    if lowered in GB_LABELS or lowered.startswith("gb"):
        return "gb18030"
    try:
        return codecs.lookup(lowered).name
    except LookupError:
        return None


def detect_codec(body: bytes) -> str:
    """The codec of undeclared bytes: UTF-8 if they decode as such, else charset-normalizer's best guess."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(body[:65536]).best()
    return normalise_codec(guess.encoding if guess else None) or "gb18030"


def choose_codec(content_type: str | None, body: bytes) -> tuple[str, str]:
    """(codec, how it was chosen): from the HTTP header, the HTML meta tag, a BOM, or detection."""
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8", "bom"
    header = _HEADER_CHARSET.search(content_type or "")
    declared = normalise_codec(header.group(1) if header else None)
    if declared:
        return declared, "http-header"
    meta = _META_CHARSET.search(body[:8192])
    declared = normalise_codec(meta.group(1).decode("ascii") if meta else None)
    if declared:
        return declared, "meta"
    return detect_codec(body), "detected"


class EncodingMiddleware:
    """Re-decodes every text response with the codec `choose_codec` picks."""

    def process_response(self, request, response: Response, spider):
        if not isinstance(response, TextResponse) or media_type(response.body[:4096]) not in TEXT_TYPES:
            request.meta["codec"] = None
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        codec, how = choose_codec(content_type, response.body)
        request.meta["codec"] = f"{codec} ({how})"
        return response.replace(encoding=codec)
