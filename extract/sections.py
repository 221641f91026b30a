"""The six numbered sections of a report, found by their declared headings, in order.

Only the headings the template declares (and their variants) open a section, and only in template
order: "四、结转下年度继续办理" is a row of table 三, not section 四, and "三、本年度办理结果" is a
row label, not section 三. A heading written with another number ("四、存在问题及改进情况" when
section 四 is missing) or slightly differently still opens its section, with a warning; a missing
section is a warning too. Legacy reports (no declared template) are split at their own top-level
headings ("一、…", "二、…" in sequence) so their text stays navigable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import compress

from rapidfuzz import fuzz

from extract.normalize import display_width, label_key
from extract.template import Section, Template, all_templates

FUZZY_HEADING_SCORE = 88.0
_TOP_LEVEL = re.compile(r"^\s*([一二三四五六七八九十]{1,3})\s*[、.．]\s*(\S.{0,40})$")
_NUMERALS = "一二三四五六七八九十"
_TOP_LEVEL_ORDINAL = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")  # "四、…": how section headings open


@dataclass
class FoundHeading:
    index: int
    section: Section
    heading: str
    exact: bool


HeadingSpec = tuple[Section, frozenset[str], frozenset[str], int, tuple[tuple[str, int], ...]]


def _heading_keys(section: Section) -> HeadingSpec:
    """(section, keys with ordinal, keys without, widest display width, each key without and its length) of a
    section's heading and variants."""
    names = (section.heading, *section.variants)
    widest = max(display_width(n) for n in names)
    cores = frozenset(label_key(n, ordinal=False) for n in names)
    return (section, frozenset(label_key(n) for n in names), cores, widest,
            tuple((core, len(core)) for core in sorted(cores)))


_SPECS: dict[str, list[HeadingSpec]] = {}
_REACH: dict[str, tuple[int, int, int, int]] = {}


def _heading_specs(template: Template) -> list[HeadingSpec]:
    """The heading keys of a template's sections (computed once per template)."""
    if template.id not in _SPECS:
        _SPECS[template.id] = [_heading_keys(section) for section in template.sections]
    return _SPECS[template.id]


def _reach(template: Template) -> tuple[int, int, int, int]:
    """(the longest paragraph a heading may be, the last section number, the longest heading key, the longest key
    without the ordinal) of a template, once per template: a paragraph whose key is longer than any heading's and
    whose key without ordinal is too long for the fuzzy score against any (see `_match`) is no heading."""
    if template.id not in _REACH:
        specs = _heading_specs(template)
        _REACH[template.id] = (2 * max(spec[3] for spec in specs) + 16, max(spec[0].number for spec in specs),
                               max(len(key) for spec in specs for key in spec[1]),
                               max(len(core) for spec in specs for core in spec[2]))
    return _REACH[template.id]


def _match(width: int, keys: tuple[str, str], spec: HeadingSpec) -> bool | None:
    """True for the declared heading, False for a renumbered or slightly different one, None for no heading
    (of a paragraph that opens with a top-level ordinal: `find_headings` asks about no other)."""
    _, full, cores, widest, sized = spec
    if width > 2 * widest + 16:
        return None
    key, core = keys
    if key in full:
        return True
    if core in cores and core != key:
        return False
    size = len(core)
    for other, other_size in sized:  # a loop, not max() of a generator: this runs for every spec a row is tried on
        # the ratio is 200 × common subsequence / total length: two lengths this far apart cannot reach the score
        if 200 * min(size, other_size) >= FUZZY_HEADING_SCORE * (size + other_size) and (
            fuzz.ratio(core, other) >= FUZZY_HEADING_SCORE
        ):
            return False
    return None


def find_headings(paragraphs: list[str], template: Template) -> list[FoundHeading]:
    """Declared headings among the paragraphs: each section at most once, in template order."""
    specs = _heading_specs(template)
    found: list[FoundHeading] = []
    next_number = 1
    longest, last_number, longest_key, longest_core = _reach(template)
    reach = (200 - FUZZY_HEADING_SCORE) * longest_core  # a core key of n characters with 88 × n beyond is too long
    # every declared heading opens with its number ("四、"), renumbered ones too: the expression is mapped over
    # the paragraphs (in C), the rest read only for those it matches
    for index in compress(range(len(paragraphs)), map(_TOP_LEVEL_ORDINAL.match, paragraphs)):
        if next_number > last_number:
            break
        paragraph = paragraphs[index]
        if len(paragraph) > longest:
            continue
        width = display_width(paragraph)
        keys = (label_key(paragraph), label_key(paragraph, False))  # with and without the ordinal
        if len(keys[0]) > longest_key and FUZZY_HEADING_SCORE * len(keys[1]) > reach:  # a table row: no heading
            continue
        for spec in specs:
            section = spec[0]
            if section.number < next_number:
                continue
            exact = _match(width, keys, spec)
            if exact is None:
                continue
            found.append(FoundHeading(index, section, paragraph.strip(), exact))
            next_number = section.number + 1
            break
    return found


def _legacy_headings(paragraphs: list[str]) -> list[tuple[int, int, str]]:
    """(index, number, heading) of top-level headings "一、…", "二、…" that follow each other in sequence."""
    out: list[tuple[int, int, str]] = []
    for index, paragraph in enumerate(paragraphs):
        match = _TOP_LEVEL.match(paragraph)
        if not match or match.group(2).rstrip().endswith(("。", "；")):
            continue
        number = _numeral(match.group(1))
        if number == len(out) + 1:
            out.append((index, number, paragraph.strip()))
    return out


def _numeral(text: str) -> int:
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _NUMERALS.index(text[1]) + 1
    return _NUMERALS.index(text[0]) + 1


def _texts(paragraphs: list[str], starts: list[int]) -> list[str]:
    if not starts:
        return []
    bounds = [*starts[1:], len(paragraphs)]
    return ["\n".join(paragraphs[start + 1 : end]).strip() for start, end in zip(starts, bounds, strict=True)]


def split_sections(paragraphs: list[str], template: Template | None) -> tuple[list[dict], list[dict]]:
    """The sections ({number, key, heading as written, text}) and warnings about missing or odd headings."""
    if template is None:
        return _split_legacy(paragraphs), []
    found = find_headings(paragraphs, template)
    texts = _texts(paragraphs, [f.index for f in found])
    sections = [
        {"number": f.section.number, "key": f.section.key, "heading": f.heading, "text": text}
        for f, text in zip(found, texts, strict=True)
    ]
    return sections, _heading_warnings(found, template)


def _heading_warnings(found: list[FoundHeading], template: Template) -> list[dict]:
    warnings = []
    seen = {f.section.number for f in found}
    for section in template.sections:
        if section.number not in seen:
            warnings.append({"code": "section_missing", "section": section.number,
                             "message": f"section {section.heading} not found"})
    for f in found:
        if not f.exact:
            warnings.append({"code": "section_heading_variant", "section": f.section.number, "heading": f.heading,
                             "message": f"{f.heading!r} taken as {f.section.heading} (numbered or worded differently)"})
    return warnings


def _split_legacy(paragraphs: list[str]) -> list[dict]:
    headings = _legacy_headings(paragraphs)
    texts = _texts(paragraphs, [h[0] for h in headings])
    known = {core: section.key for t in all_templates() for section in t.sections for core in _heading_keys(section)[2]}
    return [
        {"number": number, "key": known.get(label_key(heading, ordinal=False), f"section_{number}"),
         "heading": heading, "text": text}
        for (_, number, heading), text in zip(headings, texts, strict=True)
    ]
