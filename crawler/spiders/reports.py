"""The one generic spider: from a portal's homepage or listing URLs, find the annual-report column,
walk its listing pages (through the CMS adapter), classify the entries, read the report pages, and
fetch every attachment. Captures are stored by the downloader middlewares, not here.

    scrapy crawl reports -a url=http://example.gov.cn/zfxxgk/zfxxgknb/ -s OUT_DIR=out
    scrapy crawl reports -a seeds=seeds/portals.csv -s OUT_DIR=out

Requests carry only plain data in `meta` and name spider methods as callbacks, so they survive a
scrapy-redis queue. Barren listing chains are counted in the requests' meta; the seen listing pages and
the per-host listing budget are crawler.traps counters (shared through Redis in a distributed crawl).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import scrapy
from scrapy.http import Response, TextResponse

from crawler.adapters import adapter_for
from crawler.adapters.base import Link, PageRequest, clean_text, links_in, normal_date
from crawler.canonical import canonical_url, host_of
from crawler.classify import (
    classify_title,
    column_reason,
    is_attachment_url,
    is_hub,
    is_year_subcolumn,
    pdfjs_target,
)
from crawler.incremental import known_requests
from crawler.items import ExcludedItem, ReportItem
from crawler.seeds import Portal, adhoc_portals, load_seeds
from crawler.store.raw import RawStore
from crawler.traps import EXHAUSTED_EVENT, LocalTrapCounters, trap_counters, within_budget
from vocab.titles import issuing_body, report_year

HUB_DEPTH = 2
LISTING_MIN_REPORTS = 2  # report titles linked from a page without a report body that make it a listing
# Words that make a non-report link worth recording as an exclusion (a lookalike), not mere navigation.
LOOKALIKE_HINTS = ("年报", "报告", "工作要点", "指南", "解读", "图解", "目录")
CONTENT_SELECTORS = (
    ".TRS_Editor", ".trs_editor_view", ".Custom_UnionStyle", "#zoom", "#ivs_content", ".article-content",
    ".xxgk_content", ".article", ".content", "#content", "article", "main",
)
REPORT_HEADINGS = (
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请", "行政复议", "存在的主要问题", "其他需要报告",
)
META_FIELDS = ("SiteIDCode", "SiteName", "ColumnName", "ContentSource", "ArticleTitle", "PubDate")
HEADER_FIELDS = ("索引号", "发布机构", "分类", "文号", "发文日期", "生成日期", "成文日期", "主题分类")
_ONCLICK_DOC = re.compile(r"""["']([^"']+\.(?:pdf|docx?|wps|xlsx?|rtf))["']""", re.IGNORECASE)
_URL_DATE = re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_|/((?:19|20)\d{2})/(\d{1,2})-(\d{1,2})/")


def site_of(host: str) -> str:
    """The registered site of a host: an IP as is, `*.gov.cn` by its last three labels, else the last two."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    return ".".join(labels[-3:] if host.endswith(".gov.cn") else labels[-2:])


def is_official_host(host: str, whitelist: frozenset[str] = frozenset()) -> bool:
    """Official hosts only (`*.gov.cn` and whitelisted IPs): mirrors and copies are never followed."""
    return host.endswith(".gov.cn") or host in whitelist


class ReportsSpider(scrapy.Spider):
    name = "reports"

    def __init__(self, url: str | None = None, seeds: str | None = None, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.url_args = [u for u in re.split(r"[\s,]+", url or "") if u]
        self.seeds_path = seeds
        self.portals: dict[str, Portal] = {}
        self.seen_entries: set[str] = set()
        self.traps: LocalTrapCounters = LocalTrapCounters(400)
        self.official_ips: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        portals = adhoc_portals(spider.url_args) if spider.url_args else load_seeds(
            Path(spider.seeds_path or settings.get("SEEDS_FILE"))
        )
        spider.portals = {portal.name: portal for portal in portals}
        spider.official_ips = frozenset(
            host for portal in portals for host in portal.hosts if not host.endswith(".gov.cn")
        )
        spider.barren_limit = settings.getint("BARREN_LISTING_LIMIT", 3)
        spider.traps = trap_counters(settings)
        spider.max_pages = settings.getint("LISTING_PAGES_MAX", 200)
        if not settings.frozen:
            spider.apply_politeness_overrides(settings)
        return spider

    def apply_politeness_overrides(self, settings) -> None:
        """Per-portal delay/concurrency from the seeds file become Scrapy download slots (one per host)."""
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        for portal in self.portals.values():
            override = {key: value for key, value in (("delay", portal.delay), ("concurrency", portal.concurrency))
                        if value is not None}
            for host in portal.hosts if override else ():
                slots[host] = override
        if slots:
            settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    # -- scope -------------------------------------------------------------------------------------
    def in_portal(self, url: str, portal_name: str) -> bool:
        """Listings and hubs stay on the seed's sites (its hosts and their subdomains)."""
        portal = self.portals.get(portal_name)
        host = host_of(url)
        if portal is None or not url.startswith(("http://", "https://")):
            return False
        return any(host == seed or site_of(host) == site_of(seed) for seed in portal.hosts)

    def may_fetch_document(self, url: str, portal_name: str) -> bool:
        """Report pages and attachments: the seed's sites, or another official host."""
        return self.in_portal(url, portal_name) or (
            url.startswith(("http://", "https://")) and is_official_host(host_of(url), self.official_ips)
        )

    # -- requests ----------------------------------------------------------------------------------
    async def start(self):
        """Scrapy ≥ 2.13 entry point; the same requests as start_requests (kept for Scrapy 2.11/2.12)."""
        for request in self.start_requests():
            yield request

    def start_requests(self):
        for portal in self.portals.values():
            for url in portal.listing_urls:
                yield self.page_request(canonical_url(url), portal, "listing", referrer=None)
            if portal.homepage:
                yield self.page_request(canonical_url(portal.homepage), portal, "home", referrer=None)
        # A re-crawl also revisits the reports the store knows, linked or not (pages that disappeared).
        yield from known_requests(self, Path(self.settings.get("OUT_DIR", "out")) / "captures.db")

    def page_request(self, url: str, portal: Portal | str, role: str, referrer: str | None, **meta: Any):
        name = portal if isinstance(portal, str) else portal.name
        cms = self.portals[name].cms if name in self.portals else ""
        return scrapy.Request(
            url, callback=self.parse_page,
            meta={"portal": name, "role": role, "referrer": referrer, "cms": cms, "hub_depth": 0, "barren": 0, **meta},
        )

    def _within_budget(self, url: str, portal: str) -> bool:
        """Whether the host of this new listing page has budget left; the refusal that exhausts it is an event."""
        host = host_of(url)
        allowed, exhausted = within_budget(self.traps, host)
        if exhausted:
            budget = self.traps.budget
            self.logger.warning("listing budget of %s pages exhausted on %s", budget, host)
            self.crawler.stats.inc_value("govreports/listing_budget_exhausted")
            RawStore.for_crawler(self.crawler).index.add_event(
                EXHAUSTED_EVENT, url, portal, f"{host}: listing budget of {budget} pages (HOST_LISTING_BUDGET) "
                "spent; further listing pages of this host are not fetched", host=host, budget=budget,
            )
        return allowed

    def _follow_listing(self, url: str, response: Response, role: str, **meta: Any):
        if not self.traps.first_request(url) or not self._within_budget(url, response.meta["portal"]):
            return None
        base = {key: response.meta[key] for key in ("hub_depth", "barren") if key in response.meta}
        return self.page_request(url, response.meta["portal"], role, response.url, **{**base, **meta})

    def _page_request(self, page: PageRequest, response: Response, barren: int):
        key = canonical_url(page.url) + (repr(sorted(page.formdata.items())) if page.method == "POST" else "")
        if not self.traps.first_request(key) or not self._within_budget(page.url, response.meta["portal"]):
            return None
        inherited = {key: value for key, value in response.meta.items() if not key.startswith(_TRANSIENT_META)}
        meta = {**inherited, "role": "listing", "referrer": response.url, "barren": barren, **page.meta}
        if page.method == "POST":
            return scrapy.FormRequest(canonical_url(page.url), formdata=page.formdata, callback=self.parse_page,
                                      meta=meta)
        return scrapy.Request(canonical_url(page.url), callback=self.parse_page, meta=meta)

    # -- listing, hub and home pages ---------------------------------------------------------------
    def parse_page(self, response: Response):
        """A home, hub or listing page: follow the column, its sub-columns and pages; classify entries."""
        if not isinstance(response, TextResponse) or response.meta.get("outcome", "ok") != "ok":
            return
        portal = response.meta["portal"]
        adapter = adapter_for(response, response.meta.get("cms"))
        new_entries = 0
        follow: list[scrapy.Request] = []
        for link in adapter.links(response):
            url = canonical_url(link.url)
            target = pdfjs_target(url)
            if target:
                url = canonical_url(response.urljoin(target))
            verdict = classify_title(link.text)
            if verdict.is_report:
                if not self.may_fetch_document(url, portal):
                    yield from self._lookalike(url, link, "off-site link to a host that is not official", response)
                elif url not in self.seen_entries:
                    self.seen_entries.add(url)
                    new_entries += 1
                    yield from self.entry(url, link, response)
                continue
            if not self.in_portal(url, portal) or url == response.url or is_attachment_url(url):
                yield from self._lookalike(url, link, verdict.reason, response)
                continue
            reason = column_reason(link.text, url)
            if reason or (response.meta["role"] == "listing" and is_year_subcolumn(link.text)):
                follow.append(url)
            elif response.meta["role"] in ("home", "hub") and is_hub(link.text):
                depth = response.meta.get("hub_depth", 0)
                request = self._follow_listing(url, response, "hub", hub_depth=depth + 1) if depth < HUB_DEPTH else None
                if request is not None:
                    yield request
            else:
                yield from self._lookalike(url, link, verdict.reason, response)
        barren = 0 if new_entries else response.meta.get("barren", 0) + 1
        if barren >= self.barren_limit:
            self.crawler.stats.inc_value("govreports/barren_chains_stopped")
            return
        for url in follow:
            request = self._follow_listing(url, response, "listing", barren=barren)
            if request is not None:
                yield request
        for page in adapter.pages(response, self.max_pages):
            request = self._page_request(page, response, barren)
            if request is not None:
                yield request

    def _lookalike(self, url: str, link: Link, reason: str, response: Response):
        """An entry that looks like a report but is not one, recorded once with the reason."""
        if any(word in link.text for word in LOOKALIKE_HINTS) and url not in self.seen_entries:
            self.seen_entries.add(url)
            yield ExcludedItem(url, response.meta["portal"], link.text, reason, response.url)

    def entry(self, url: str, link: Link, response: Response):
        """A listing entry whose title names a report: its detail page, or the document itself."""
        meta = {"portal": response.meta["portal"], "referrer": response.url, "listing_title": link.text,
                "listing_date": link.date, "listing_url": response.url}
        if is_attachment_url(url):
            yield self.report_item(link.text, link.text, url, None, link.date, response.meta["portal"],
                                   direct=True, attachments=[url], listing_url=response.url)
            yield scrapy.Request(url, callback=self.parse_attachment, errback=self.download_failed,
                                 meta={**meta, "role": "attachment"})
        else:
            yield scrapy.Request(url, callback=self.parse_detail, errback=self.download_failed,
                                 meta={**meta, "role": "detail"})

    # -- detail pages ------------------------------------------------------------------------------
    def parse_detail(self, response: Response):
        """A report page: title, date, metadata, inline text, attachments."""
        meta = response.meta
        if meta.get("outcome", "ok") != "ok":
            return
        if not isinstance(response, TextResponse):
            yield self.report_item(meta["listing_title"], meta["listing_title"], response.url, None,
                                   meta.get("listing_date"), meta["portal"], direct=True,
                                   attachments=[response.url], listing_url=meta.get("listing_url"))
            return
        text = page_text(response)
        page_meta = page_metadata(response, text)
        title = page_title(response) or meta["listing_title"]
        if not classify_title(title).is_report:
            title = meta["listing_title"]
        content = content_of(response)
        attachments = []
        for url in document_links(content, response.url):
            if self.may_fetch_document(url, meta["portal"]) and url not in attachments:
                attachments.append(url)
        inline = is_inline_report(content)
        if not inline and is_listing_page(content, response.url):
            yield from self._listing_behind_report_title(response)
            return
        published = normal_date(page_meta.get("PubDate")) or normal_date(page_meta.get("发文日期")) or _url_date(
            response.url) or meta.get("listing_date") or _labelled_date(text)
        yield self.report_item(
            title, meta["listing_title"], response.url, page_meta, published, meta["portal"],
            inline=inline, attachments=attachments, listing_url=meta.get("listing_url"),
        )
        for url in attachments:
            yield scrapy.Request(url, callback=self.parse_attachment, errback=self.download_failed,
                                 meta={"portal": meta["portal"], "referrer": response.url, "role": "attachment"})

    def _listing_behind_report_title(self, response: TextResponse):
        """A link titled like a report that leads to a listing (a year folder such as "2017年政府信息公开年报"
        → `.../gknb2017/`): recorded as such, its capture relabelled, and walked as a listing."""
        store = RawStore.for_crawler(self.crawler)
        if response.meta.get("capture_id") is not None:
            store.index.db.execute("UPDATE captures SET role = 'listing' WHERE id = ?", (response.meta["capture_id"],))
        store.index.add_event(
            "listing_not_report", response.url, response.meta["portal"],
            f"{response.meta.get('listing_title')!r} leads to a listing of reports, not to a report: followed as a "
            "listing", listing_title=response.meta.get("listing_title"), referrer=response.meta.get("referrer"),
        )
        response.meta["role"] = "listing"
        yield from self.parse_page(response)

    def download_failed(self, failure):
        """A report page or attachment that could not be downloaded: the capture index has the outcome."""
        self.logger.warning("download failed: %s (%s)", failure.request.url, failure.type.__name__)

    def parse_attachment(self, response: Response):
        """Attachments are stored by the capture middleware; nothing to parse here."""
        return iter(())

    def report_item(self, title: str, listing_title: str | None, page_url: str, metadata: dict | None,
                    published: str | None, portal: str, **fields: Any) -> ReportItem:
        return ReportItem(
            page_url=canonical_url(page_url), portal=portal, title=title, listing_title=listing_title,
            year=report_year(title) or report_year(listing_title or ""), body=issuing_body(title),
            published=published, metadata=metadata or {}, **fields,
        )


# Meta keys that describe one request (Scrapy's own, the capture's) and must not be inherited by the next page.
_TRANSIENT_META = (
    "download_", "depth", "retry_", "redirect_", "_", "outcome", "codec", "capture_id", "hanweb_",
)


def page_title(response: TextResponse) -> str:
    """The page's own title: ArticleTitle meta, the first heading, or `<title>`."""
    for query in ('meta[name="ArticleTitle"]::attr(content)', "h1 ::text", ".title ::text", "title::text"):
        text = clean_text(" ".join(response.css(query).getall()))
        if text:
            return text
    return ""


def page_text(response: TextResponse) -> str:
    """The page's visible text, whitespace collapsed (read once per page)."""
    return clean_text(" ".join(response.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall()))


def page_metadata(response: TextResponse, text: str) -> dict[str, str]:
    """National-standard meta tags and the 信息公开目录 header fields (索引号, 发布机构 ...)."""
    found: dict[str, str] = {}
    for meta in response.xpath("//meta[@name and @content]"):
        name = meta.attrib["name"]
        if name in META_FIELDS and meta.attrib["content"].strip():
            found[name] = meta.attrib["content"].strip()
    for label in HEADER_FIELDS:
        match = re.search(rf"{label}\s*[:：]?\s*([^\s|]+)", text)
        if match and label not in found:
            found[label] = match.group(1)
    return found


def content_of(response: TextResponse):
    """The article body (to keep sidebars' and prev/next links out), or the whole page."""
    for selector in CONTENT_SELECTORS:
        found = response.css(selector)
        if found:
            return found[0]
    return response.selector


def document_links(content, base_url: str) -> list[str]:
    """Attachment URLs in `<a>`, `<iframe>`, `<embed>`, `<object>`, pdf.js viewer URLs and onclick handlers."""
    candidates = [link.url for link in links_in(content, base_url)]
    candidates += content.css("iframe::attr(src), embed::attr(src), object::attr(data)").getall()
    for handler in content.css("[onclick]::attr(onclick)").getall():
        candidates += _ONCLICK_DOC.findall(handler)
    urls = []
    for candidate in candidates:
        url = canonical_url(_join(base_url, candidate))
        target = pdfjs_target(url)
        if target:
            url = canonical_url(_join(url, target))
        if is_attachment_url(url):
            urls.append(url)
    return urls


def _join(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def is_listing_page(content, url: str) -> bool:
    """Whether a page reached through a report-like title is a listing: its main content (prev/next links
    sit outside the article body) links reports of several titles — a report page's own files (its PDF
    and DOCX under the same title) do not count twice. The caller has found no report body on it."""
    titles = {
        re.sub(r"\s+", "", link.text) for link in links_in(content, url)
        if classify_title(link.text).is_report and canonical_url(link.url) != canonical_url(url)
    }
    return len(titles) >= LISTING_MIN_REPORTS


def is_inline_report(content) -> bool:
    """Whether the page itself holds the report text (at least three of the six section headings)."""
    text = "".join(content.xpath(".//text()").getall())
    return sum(heading in text for heading in REPORT_HEADINGS) >= 3


def _url_date(url: str) -> str | None:
    match = _URL_DATE.search(url)
    if not match:
        return None
    year, month, day = (group for group in match.groups() if group)
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _labelled_date(text: str) -> str | None:
    match = re.search(r"(?:发布日期|发布时间|日期)\s*[:：]\s*(\S+)", text)
    return normal_date(match.group(1)) if match else None
