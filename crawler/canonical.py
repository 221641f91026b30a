"""URL canonicalisation: one spelling per resource, so a URL reached twice is fetched and counted once.

w3lib's `canonicalize_url` (what Scrapy's own fingerprints use) does the heavy part: percent-encoding,
sorted query arguments, no fragment. On top of it we drop what makes one page look like many:
tracking parameters (utm_*, spm, from, timestamp, cache-busters) and session ids (`;jsessionid=` path
parameters, jsessionid/phpsessid/aspsessionid query arguments), plus the scheme's default port.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_PARAMS = frozenset({"spm", "from", "timestamp", "_", "_t", "t_", "jsessionid", "phpsessid", "sessionid"})
TRACKING_PREFIXES = ("utm_", "aspsessionid")
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    """Whether a query argument only tracks the visitor or the visit (never selects content)."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


@lru_cache(maxsize=65536)
def canonical_url(url: str) -> str:
    """The canonical spelling of an absolute http(s) URL (cached: listings repeat the same links)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host
    if parts.port and _DEFAULT_PORTS.get(scheme) != parts.port:
        netloc = f"{host}:{parts.port}"
    path = _PATH_SESSION.sub("", parts.path) or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    )
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def host_of(url: str) -> str:
    """The lower-case host name of a URL (no port)."""
    return (urlsplit(url).hostname or "").lower()
