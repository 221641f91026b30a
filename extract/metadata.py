"""What a report is: its title, the year it reports on, who issued it, which template, which scope.

Title → year and body is shared vocabulary (vocab/titles.py, also used by the crawler). The year is
always the title's, never the statistics period the text states (reports get that wrong). The
template is detected by content, with each declaration's `detect` strings, never by year: some 2019
and 2020 reports already use the 2021 layout. A report that has neither template's table labels but
is an annual report on disclosure is `legacy` (the 2008–2018 formats: text and sections, no cells).
"""

from __future__ import annotations

import re

from extract.normalize import KeyedText, label_key
from extract.template import Template, all_templates
from vocab.titles import annual_report_year, clean_title, is_annual_report_title, issuing_body, report_year

_REPORT_MARKERS = ("信息公开", "政务公开")
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|——|--| - )\s*")
_SENTENCE = re.compile(r"[。；：:，,]|^[一二三四五六七八九十]+、|^[(（]")
_AGGREGATE = re.compile(r"全(?:省|市|区|县|旗|州|盟)(?:各级|各地|各部门|范围内)?(?:行政机关|政府|共|累计|各)")
_PLACE = re.compile(r"(?:省|自治区|市|区|县|旗|州|盟)$")  # a report titled by a place alone: "北京市2023年…"
_DEPARTMENT = re.compile(r"(?:局|办公室|委员会|委|厅|署|中心|办|站|所|院|馆|队|处|会|公司)$")


def _report_part(title: str) -> str | None:
    """The part of a page title that names the report ("…年度报告_政府信息公开年报_某某市人民政府")."""
    for part in _TITLE_SEPARATORS.split(title):
        if is_annual_report_title(part)[0]:
            return clean_title(part)
    return None


def find_title(paragraphs: list[str], declared: str | None = None) -> str | None:
    """The report's title: the first heading line that names a report (joined with the line before it when
    the title was broken after the body's name), else the reader's title, else the first short line."""
    return _title_and_year(paragraphs, declared)[0]


def title_year_body(paragraphs: list[str], declared: str | None = None) -> tuple[str | None, int | None, str | None]:
    """`find_title`'s title, its year (`report_year`) and issuing body (`issuing_body`); the year is the one
    read when the title was judged a report's, when the title is that paragraph as it was judged."""
    title, year = _title_and_year(paragraphs, declared)
    if not title:
        return title, None, None
    return title, (report_year(title) if year is None else year), issuing_body(title)


def _title_and_year(paragraphs: list[str], declared: str | None) -> tuple[str | None, int | None]:
    """The title, and `report_year` of it when judging it read that already (else None)."""
    for index, paragraph in enumerate(paragraphs[:8]):
        if len(paragraph) > 80:
            continue
        year = annual_report_year(paragraph)  # a report's title always has a year: None when it names no report
        if year is None:
            continue
        previous = paragraphs[index - 1].strip() if index else ""
        if previous and len(previous) <= 30 and not _SENTENCE.search(previous) and issuing_body(paragraph) is None:
            return clean_title(previous + paragraph), None
        return clean_title(paragraph), year  # judged as clean_title(paragraph): its year is this title's
    if declared:
        return _report_part(declared) or clean_title(declared), None
    first = next((p for p in paragraphs if p.strip()), None)
    return (clean_title(first) if first and len(first) <= 80 else None), None


def _in_order(needle: str, haystack: str, max_gap: int = 24) -> bool:
    """The needle split once, its two parts a few characters apart: a header cell broken over two lines
    reads "本年制 本年废 现行有" / "发件数 止件数 效件数"."""
    for cut in range(2, len(needle) - 1):
        head, tail = needle[:cut], needle[cut:]
        start = haystack.find(head)
        while start != -1:
            after = start + len(head)
            if tail in haystack[after : after + max_gap + len(tail)]:
                return True
            start = haystack.find(head, start + 1)
    return False


def detect_template(text: str) -> tuple[str, Template | None, dict[str, int]]:
    """("2021" | "2019" | "legacy" | "unknown", the declaration or None, detect-string hits per template)."""
    keyed = KeyedText(text)
    hits = {t.id: sum(1 for s in t.detect_any if label_key(s) in keyed) for t in all_templates()}
    if not any(hits.values()):  # a header split over lines: read the detect strings in order, gaps allowed
        key = keyed.key
        hits = {t.id: sum(1 for s in t.detect_any if _in_order(label_key(s), key)) for t in all_templates()}
    best = max(all_templates(), key=lambda t: (hits[t.id], t.id))
    if hits[best.id] > 0:
        return best.id, best, hits
    if any(marker in text for marker in _REPORT_MARKERS) and re.search(r"年度报告|年报", text):
        return "legacy", None, hits
    return "unknown", None, hits


def has_statistics_tables(text: str) -> bool:
    """Whether a text holds a declared template's table 三 (its first row label), whatever the layout."""
    keyed = KeyedText(text)
    return any(label_key(t.tables["applications"].rows[0].label, ordinal=False) in keyed for t in all_templates())


def detect_scope(text: str, body: str | None) -> str:
    """本级 (the body's own work), 汇总 (a government's report summing its departments) or unknown."""
    government = body and ("人民政府" in body or _PLACE.search(body)) and not body.endswith(("办公室", "办公厅"))
    if government and _AGGREGATE.search(text):
        return "汇总"
    if body and _DEPARTMENT.search(body) and "人民政府" not in body[-6:]:
        return "本级"
    if "本机关" in text or "本单位" in text:
        return "本级"
    return "unknown"
