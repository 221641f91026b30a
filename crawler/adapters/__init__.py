"""Listing adapters, one small class per CMS family: where the listing's entries are and how it pages.

Chosen from the seeds row's `cms` hint when that adapter recognises the page, else detected:
Hanweb (`dataproxy.jsp` POST → XML), gkmlpt (JSON API), TRS (`createPageHTML`/`countPage` →
`index_N.html`), and plain (`index_N.html`, `?page=N`, "下一页" links) for everything else.
"""

from __future__ import annotations

from crawler.adapters.base import ListingAdapter, PageRequest
from crawler.adapters.gkmlpt import GkmlptAdapter
from crawler.adapters.hanweb import HanwebAdapter
from crawler.adapters.plain import PlainAdapter
from crawler.adapters.trs import TrsAdapter

ADAPTERS: dict[str, type[ListingAdapter]] = {
    adapter.name: adapter for adapter in (HanwebAdapter, GkmlptAdapter, TrsAdapter, PlainAdapter)
}


def adapter_for(response, hint: str | None = None) -> ListingAdapter:
    """The adapter for a listing response: the hinted one if it recognises the page, else the first that does."""
    hinted = ADAPTERS.get((hint or "").lower())
    if hinted is not None and hinted.detects(response):
        return hinted()
    for adapter in ADAPTERS.values():
        if adapter.detects(response):
            return adapter()
    return PlainAdapter()


__all__ = ["ADAPTERS", "ListingAdapter", "PageRequest", "adapter_for"]
