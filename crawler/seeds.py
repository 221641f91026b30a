"""The seeds file, seeds/portals.csv: one row per portal, edited by people. Lines starting with "#"
are comments. Columns: name, homepage, listing_urls (space-separated), division_code, cms (trs, hanweb,
gkmlpt, plain or empty to detect), delay and concurrency (per-portal politeness overrides, empty for
the defaults), verified (yes/no: a person checked the URLs), source (where the row comes from)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawler.canonical import canonical_url, host_of

COLUMNS = ("name", "homepage", "listing_urls", "division_code", "cms", "delay", "concurrency", "verified", "source")


@dataclass(frozen=True)
class Portal:
    name: str
    homepage: str
    listing_urls: tuple[str, ...] = ()
    division_code: str = ""
    cms: str = ""
    delay: float | None = None
    concurrency: int | None = None
    verified: bool = False
    source: str = ""

    @property
    def hosts(self) -> frozenset[str]:
        """The hosts the seed names (homepage and listings)."""
        return frozenset(host_of(url) for url in (self.homepage, *self.listing_urls) if url)

    def start_urls(self) -> list[str]:
        return [canonical_url(url) for url in (*self.listing_urls, self.homepage) if url]


class SeedsError(ValueError):
    """A seeds file that cannot be read: the message names the line."""


def _number(value: str, kind: type, line: int, column: str):
    if not value.strip():
        return None
    try:
        return kind(value)
    except ValueError as error:
        raise SeedsError(f"line {line}: {column} {value!r} is not a number") from error


def load_seeds(path: Path) -> list[Portal]:
    """The portals of a seeds file (comment lines and blank lines skipped)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return []
    reader = csv.DictReader([line for _, line in lines])
    missing = {"name", "homepage"} - set(reader.fieldnames or ())
    if missing:
        raise SeedsError(f"{path}: missing columns {sorted(missing)}")
    portals = []
    for (number, _), row in zip(lines[1:], reader, strict=True):
        row = {key: (value or "").strip() for key, value in row.items() if key}
        if not row.get("homepage") and not row.get("listing_urls"):
            raise SeedsError(f"line {number}: {row.get('name')!r} has neither homepage nor listing_urls")
        portals.append(Portal(
            name=row["name"], homepage=row.get("homepage", ""),
            listing_urls=tuple(row.get("listing_urls", "").split()), division_code=row.get("division_code", ""),
            cms=row.get("cms", "").lower(), delay=_number(row.get("delay", ""), float, number, "delay"),
            concurrency=_number(row.get("concurrency", ""), int, number, "concurrency"),
            verified=row.get("verified", "").lower() in ("yes", "true", "1"), source=row.get("source", ""),
        ))
    return portals


def adhoc_portals(urls: list[str]) -> list[Portal]:
    """One portal per ad-hoc start URL (`--url`), named by its host: a site root is a homepage (the
    column is searched for), any other URL a listing."""
    portals = []
    for url in urls:
        is_root = urlsplit(url).path in ("", "/")
        listings = () if is_root else (url,)
        portals.append(Portal(name=host_of(url), homepage=url if is_root else "", listing_urls=listings))
    return portals
