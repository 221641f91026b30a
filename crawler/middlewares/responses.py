"""Classify every response BEFORE it is stored: what it is decides whether its bytes may ever count as
a report. The outcome (and a reason) goes into the request's meta for the capture middleware.

Outcomes: ok, redirect, not_found, http_error, blocked_ruishu (412/202 + `$_ts`), blocked_jsl (521/512 +
`__jsl_clearance`), blocked_wzws (WZWS challenge), login_page, soft_404, html_as_document (an HTML page
served under a .pdf/.doc name), empty.
"""

from __future__ import annotations

import re

from scrapy.http import Response, TextResponse

from crawler.classify import is_attachment_url, url_extension
from crawler.sniff import media_type

_SOFT_404 = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要的|您访问的)?页面|您访问的页面|404\s*not\s*found|页面已删除|信息已删除|文章不存在",
    re.IGNORECASE,
)
_LOGIN = re.compile(r"用户登录|请登录|登录页|统一身份认证")
_PASSWORD_INPUT = re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SMALL_PAGE = 6000  # characters: an error page is short; a report page mentioning "404" is not


def _challenge(status: int, body: bytes, headers) -> tuple[str, str] | None:
    head = body[:200_000]
    cookies = b" ".join(headers.getlist("Set-Cookie")).lower()
    if status in (412, 202) and b"$_ts" in head:
        return "blocked_ruishu", f"HTTP {status} with a $_ts challenge script (瑞数)"
    # 加速乐 spells the cookie name in pieces in its script (('_')+('_j')+('sl_clearance=...')) and sets __jsluid.
    if status in (521, 512) and (b"sl_clearance" in head or b"__jsluid" in cookies):
        return "blocked_jsl", f"HTTP {status} with a __jsl_clearance challenge (加速乐)"
    if b"wzws" in cookies or b"wzws_" in head.lower()[:20_000] or b"WZWSREL" in head:
        return "blocked_wzws", "WZWS JS challenge"
    return None


def _page_verdict(response: TextResponse) -> tuple[str, str] | None:
    text = response.text
    match = _TITLE.search(text[:20_000])
    title = re.sub(r"\s+", " ", match.group(1)).strip() if match else ""
    visible = re.sub(r"<[^>]+>|\s+", "", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", text, flags=re.S | re.I))
    if _PASSWORD_INPUT.search(text) and (_LOGIN.search(title) or _LOGIN.search(visible[:3000])):
        return "login_page", f"login form (title {title!r})"
    if len(visible) < _SMALL_PAGE and (_SOFT_404.search(title) or _SOFT_404.search(visible)):
        return "soft_404", f"HTTP {response.status} page saying the page does not exist (title {title!r})"
    return None


def classify_response(request_url: str, response: Response) -> tuple[str, str]:
    """(outcome, reason) for one HTTP exchange; see the module docstring."""
    status = response.status
    challenge = _challenge(status, response.body, response.headers)
    if challenge:
        return challenge
    if 300 <= status < 400 and response.headers.get("Location"):
        return "redirect", f"HTTP {status} to {response.headers.get('Location', b'').decode('latin-1')}"
    if status in (404, 410):
        return "not_found", f"HTTP {status}"
    if status >= 400:
        return "http_error", f"HTTP {status}"
    if not response.body:
        return "empty", f"HTTP {status} with an empty body"
    kind = media_type(response.body, request_url)
    if is_attachment_url(request_url) and kind == "text/html":
        return "html_as_document", f"HTML served under a .{url_extension(request_url)} name"
    if isinstance(response, TextResponse) and kind == "text/html":
        verdict = _page_verdict(response)
        if verdict:
            return verdict
    return "ok", ""


class ResponseClassificationMiddleware:
    """Puts `outcome` and `outcome_reason` in the request's meta for every response."""

    def process_response(self, request, response: Response, spider):
        outcome, reason = classify_response(request.url, response)
        request.meta["outcome"] = outcome
        request.meta["outcome_reason"] = reason
        return response
