"""Decode text responses right: any GB label (gb2312, gbk, gb18030, x-gbk...) as GB18030, its superset;
a declared charset otherwise; and, when nothing is declared, UTF-8 if the bytes are valid UTF-8, else
charset-normalizer's guess. The chosen codec is put in the request's meta (`codec`) for the capture index."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from scrapy.http import Response, TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from crawler.sniff import media_type

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
    declared = normalise_codec(http_content_type_encoding(content_type or ""))
    if declared:
        return declared, "http-header"
    declared = normalise_codec(html_body_declared_encoding(body))
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
