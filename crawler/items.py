"""What the spider yields: reports it found (with the URLs that are that report's own files) and
entries it excluded (with the reason). The pipeline records both in the capture index."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReportItem:
    """A report: its detail page (or, when the listing links straight to a document, that document)."""

    page_url: str
    portal: str | None
    title: str
    listing_title: str | None
    year: int | None
    body: str | None
    published: str | None = None
    inline: bool = False
    direct: bool = False
    attachments: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    listing_url: str | None = None


@dataclass
class ExcludedItem:
    """A listing entry or page that is not a report, and why."""

    url: str
    portal: str | None
    title: str
    reason: str
    listing_url: str | None = None
