"""Report titles: is this an annual report, for which year, issued by whom.

Shared vocabulary: the crawler uses it to decide whether a listing entry is an annual report on
government information disclosure (政府信息公开工作年度报告), the extractor to fill `year` and `body`.
The year is the year reported ON, read from the title ("2023年…年度报告" is published in 2024); a
body is the title with the year and the report words taken away, as written (only stray spaces
between Chinese characters are dropped, e.g. "城乡一体化示范区党政办公室 2023 年政府信息公开 工作年度报告").
"""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}（）《》“”、])\s+(?=[{_CJK}（）《》“”、])")
_CHINESE_DIGITS = {"〇": "0", "○": "0", "零": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3",
                   "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_DIGIT = re.compile("[０-９]")  # str.translate goes char by char through a dict: only when one is there
_ANNUAL_WORDS = re.compile(r"年度报告|年报|年度工作报告")
_TRAILING_LINK = re.compile(r"(?:关于|的)$")
_EMPTY_BRACKETS = re.compile(r"[（(【\[]\s*[）)】\]]")
_ARABIC_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年")
_CHINESE_YEAR = re.compile(r"([一二〇○零Ｏ][〇○零一二三四五六七八九Ｏ]{3})\s*年")

# "…政府信息公开工作年度报告", "…政府信息公开年度报告", "…政府信息公开年报", "…政务公开工作年度报告"
_REPORT_WORDS = re.compile(
    r"(?:(?:(?<!人民)政府|政务)?信息公开|政务公开)(?:工作)?(?:的)?(?:年度报告|年度工作报告|年报|工作报告)"
)
_YEAR_WORDS = re.compile(
    r"(?:(?<!\d)(?:19|20)\d{2}|[一二〇○零Ｏ][〇○零一二三四五六七八九Ｏ]{3})\s*年度?"
)
_DECORATIONS = re.compile(r"[（(【\[](?:图片版|全文|图文版|文字版|正文|附件|PDF版|pdf版|更正版|修订版)[）)】\]]")

# Titles that look like annual reports but are something else: (pattern, reason).
_LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("工作要点", "work plan (工作要点), not a report"),
    ("指南", "disclosure guide (指南), not a report"),
    ("目录", "disclosure catalogue (目录), not a report"),
    ("解读", "an explanation of a report (解读), not the report"),
    ("图解", "a graphic summary of a report (图解), not the report"),
    ("一图读懂", "a graphic summary of a report, not the report"),
    ("通知", "a notice (通知), e.g. about compiling or publishing reports"),
    ("编制", "about compiling reports (编制), not a report"),
    ("报送", "about submitting reports (报送), not a report"),
    ("评估", "an evaluation of reports (评估), not a report"),
    ("统计表", "a statistics form alone, not the report"),
)


def clean_title(title: str) -> str:
    """The title stripped, without spaces between Chinese characters, full-width digits made ASCII."""
    text = unicodedata.normalize("NFC", title or "").strip()
    text = _SPACE_BETWEEN_CJK.sub("", text)
    if _FULLWIDTH_DIGIT.search(text):
        text = text.translate(_FULLWIDTH_DIGITS)
    return " ".join(text.split())  # whitespace runs to one space (the text is stripped: none at either end)


def _years(title: str) -> list[int]:
    text = unicodedata.normalize("NFKC", title)
    found: list[tuple[int, int]] = [(m.start(), int(m.group(1))) for m in _ARABIC_YEAR.finditer(text)]
    for m in _CHINESE_YEAR.finditer(text):
        digits = "".join(_CHINESE_DIGITS.get(ch, "") for ch in m.group(1))
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            found.append((m.start(), int(digits)))
    return [year for _, year in sorted(found)]


def report_year(title: str) -> int | None:
    """The year the report is about, from its title ("2023年" or "二〇二三年"); None when the title has none.

    When a title names several years (rare: "关于2022年度…的2023年…"), the one closest before the
    report words wins, since that is the year the report covers.
    """
    text = clean_title(title)
    report = _REPORT_WORDS.search(text)
    head = text[: report.start()] if report else text
    years = _years(head) or _years(text)
    return years[-1] if years else None


def issuing_body(title: str) -> str | None:
    """The issuing body as the title writes it: the title without year, report words and decorations."""
    text = clean_title(title)
    text = _DECORATIONS.sub("", text)
    report = _REPORT_WORDS.search(text)
    if report:
        text = text[: report.start()] + " " + text[report.end():]
    text = _EMPTY_BRACKETS.sub(" ", _YEAR_WORDS.sub(" ", text))
    parts = [part.strip(" 　:：-—_|·、，,") for part in text.split()]
    body = "".join(part for part in parts if part)
    body = _TRAILING_LINK.sub("", body)
    return body or None


def is_annual_report_title(title: str) -> tuple[bool, str]:
    """Whether a title names an annual report on government information disclosure, and why (not).

    A report title has a year, "政府信息公开" (or "政务公开") and "年度报告"/"年报"; work plans,
    guides, catalogues, notices about compiling reports, explanations and graphics, and company
    annual reports (年报 without 政府信息公开) are not reports.
    """
    return _judged(title)[:2]


def annual_report_year(title: str) -> int | None:
    """The year of an annual report's title (`report_year`), read while judging it; None when
    `is_annual_report_title` says it names no annual report."""
    return _judged(title)[2]


def _judged(title: str) -> tuple[bool, str, int | None]:
    text = clean_title(title)
    if not text:
        return False, "empty title", None
    if "信息公开" not in text and "政务公开" not in text:
        return False, "no 政府信息公开 in the title (e.g. a company 年报)", None
    if not _ANNUAL_WORDS.search(text) and not ("年度" in text and "工作报告" in text):
        return False, "no 年度报告/年报 in the title", None
    for word, reason in _LOOKALIKES:
        if word in text:
            return False, reason, None
    year = report_year(text)
    if year is None:
        return False, "no year in the title", None
    return True, "year + 政府信息公开 + 年度报告", year
