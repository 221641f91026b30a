"""What a link on a portal is: an annual report, the annual-report column, an attachment, or none of
these — and why. Title vocabulary (year, 政府信息公开 + 年度报告, lookalikes) comes from vocab.titles,
shared with the extractor; this module adds what only the crawler needs (columns, attachments)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from vocab.titles import is_annual_report_title

# Link texts of the annual-report column (PORTALS.md 4.1) and the path tokens of its URL (4.2).
COLUMN_WORDS = (
    "政府信息公开年报", "政府信息公开工作年度报告", "信息公开年报", "信息公开年度报告", "公开年报", "年度报告", "年报",
)
COLUMN_PATH_TOKENS = ("zfxxgknb", "zfxxgkndbg", "xxgknb", "gknb", "ndbg")
# Hubs that lead to the column: the disclosure platform and department/county subsites.
HUB_WORDS = ("政府信息公开", "信息公开", "政务公开", "部门年报", "县区年报", "乡镇年报", "部门信息公开")
NOT_HUB_WORDS = ("指南", "要点", "解读", "图解", "通知", "规定", "制度")
NOT_COLUMN_WORDS = (*NOT_HUB_WORDS, "编制", "报送", "评估", "一图读懂")
ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "rtf", "ofd", "jpg", "jpeg", "png", "gif", "tif", "tiff"}
)
_PATH_TOKEN = re.compile(r"(?<![a-z])(?:" + "|".join(COLUMN_PATH_TOKENS) + r")(?:\d{0,4})(?![a-z])")
# Article (detail) URLs of the CMS families in PORTALS.md 4.2: never a column, whatever their folder.
_DETAIL_PATH = re.compile(
    r"/t\d{8}_\d+\.s?html?$|/art_\d+_\d+\.html$|/content_\d+\.s?html?$|/post_\d+\.html$"
    r"|/\d{4}/\d{2}-\d{2}/\d+\.html$|/c01_\d+\.shtml$|/\d{6,}\.(?:s?html?|jhtml)$"
)
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}\s*年?度?$")


@dataclass(frozen=True)
class Verdict:
    """A decision and the reason for it, recorded with every excluded entry."""

    is_report: bool
    reason: str


def classify_title(title: str) -> Verdict:
    """Whether a listing entry or page title names an annual report on government information disclosure."""
    ok, reason = is_annual_report_title(title)
    return Verdict(ok, reason)


def url_extension(url: str) -> str:
    """The lower-case extension of the URL's last path segment ("" if none)."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def is_attachment_url(url: str) -> bool:
    """Whether a URL names a document file (pdf, doc, docx, wps, xls, xlsx, rtf, images...)."""
    return url_extension(url) in ATTACHMENT_EXTENSIONS


def pdfjs_target(url: str) -> str | None:
    """The document a pdf.js viewer URL shows (`…/viewer.html?file=/x.pdf`), or None."""
    parts = urlsplit(url)
    if "viewer" not in parts.path.lower():
        return None
    files = parse_qs(parts.query).get("file")
    return files[0] if files else None


def column_reason(text: str, url: str) -> str | None:
    """Why a link looks like the annual-report column (or a year/unit sub-column of it); None if not."""
    text = re.sub(r"\s+", "", text or "")
    path = urlsplit(url).path.lower()
    if classify_title(text).is_report or _DETAIL_PATH.search(path) or any(word in text for word in NOT_COLUMN_WORDS):
        return None
    for word in COLUMN_WORDS:
        if word in text and len(text) <= len(word) + 12:
            return f"link text {word}"
    match = _PATH_TOKEN.search(path)
    if match and not is_attachment_url(url):
        return f"path token {match.group(0)}"
    return None


def is_year_subcolumn(text: str) -> bool:
    """A link such as "2023年" inside the column: the column split by year."""
    return bool(_YEAR_COLUMN.match(re.sub(r"\s+", "", text or "")))


def is_hub(text: str) -> bool:
    """Whether a link text leads towards the column (the disclosure platform, a unit's subsite)."""
    text = re.sub(r"\s+", "", text or "")
    if any(word in text for word in NOT_HUB_WORDS):
        return False
    return any(word in text for word in HUB_WORDS) and len(text) <= 16
