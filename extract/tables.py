"""The one table parser: statistics cells out of any reader's `Document`, labels read from the template.

Every format is first turned into one stream of items, each a label or a value, in reading order:
a grid row (DOCX, HTML, spreadsheets; merged cells already repeated by the reader) gives its label
cells then its value cells; a tab-separated text line gives its cells the same way (empty cells
between two values are blank values, padding tabs are not); a PDF text line gives its
whitespace-separated tokens. Labels broken over lines, group labels of merged cells, a row's last
value wrapped onto its own line and numbers sitting on a wrapped label's middle line all become the
same thing in that stream: label text, then numbers.

Lines of running text (a sentence end, or a long line with commas) are kept out of the stream, so
"2023 年" or "51 件" in prose between tables never become cells.

Rows are then found by their labels, never by position: the labels of the stream are concatenated
into one key string (no spaces, no punctuation) and every declared row is searched in it, exact
first (with or without its ordinal, or a declared variant). Template order is the constraint: the
chosen rows form the longest chain with increasing positions. A row not found exactly is looked for
in the gap its found neighbours leave: its characters read in order with fragments of other labels
between (row-keeping PDF text interleaves a merged group label's fragments with the row label beside
it), then fuzzily (rapidfuzz, for typos; a weak match makes the cells `uncertain`). A row's values are
the first n value items after its label starts (n = the block's columns) and before the next row's
label; a one-row table whose row has no label of its own (table 四) takes the first n values of its
region. A cell that cannot be read this way is absent with a warning, never guessed; values found
without a label are assigned by template order only when their count fits exactly, and are then
marked uncertain; a table whose numbers are not in row order at all (text read column by column)
gives no cells.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter

from rapidfuzz import fuzz

from extract.document import Document, Grid, Line
from extract.normalize import CJK, clean_label, drop_page_furniture, find_in_order, label_key
from extract.template import TABLE_NAMES, Block, Label, Table, Template
from extract.values import Value, is_value, parse_value

FUZZY_MIN_SCORE = 80.0  # rapidfuzz partial ratio (0-100) below which a label is not taken as a row's label
CERTAIN_SCORE = 92.0  # a fuzzy label match at or above this is not flagged uncertain
MONEY_UNITS = ("元", "万元")  # a count written "3件" needs no warning; money in another unit than declared does
GAPPED_SCORE = 96.0  # every character of the label found in order, with fragments of other labels between
_NOT_KEY = re.compile(rf"[^0-9A-Za-z{CJK}]+")
_KEY_CHAR = re.compile(rf"[0-9A-Za-z{CJK}]")
PROSE_CJK = 32  # CJK characters that, with a comma, make a long line running text
# matches at the start of a line that holds PROSE_CJK CJK characters, found without copying the line (counting them
# with subn built a copy of each long line: 5 us a line)
_ENOUGH_CJK = re.compile(rf"(?:[^{CJK}]*[{CJK}]){{{PROSE_CJK}}}")
_OPENING = "(（【〔[“\"《"
_CLOSING = ")）】〕]”\"》"
_ORDINAL_TAIL = re.compile(
    r"(?:[(（]\s*[一二三四五六七八九十\d]+\s*[)）]\s*[、.．]?|[一二三四五六七八九十]+\s*[、.．]|\d+\s*[.．、])\s*$"
)


# An item is a label or a value as found, with where it came from (source row = text line or grid row):
# (kind, text, page, source row, from a grid, the cell's column in its grid (grids only), core, key). `core` (a
# label's key without its ordinal) and `key` (with it; "" for values) are filled when a label is made
# (`_label`): the parser reads them for every label many times. Plain tuples, read through these indexes or
# unpacked: a report has hundreds of items, and a tuple is made several times faster than an object with slots.
Item = tuple[str, str, int | None, int, bool, int | None, str, str]
KIND, TEXT, PAGE, SOURCE_ROW, FROM_GRID, COLUMN, CORE, KEY = range(8)


def _label(text: str, page: int | None, row: int, from_grid: bool = False, column: int | None = None) -> Item:
    core, key = _item_keys(text)
    return ("label", text, page, row, from_grid, column, core, key)


@lru_cache(maxsize=65536)
def _item_keys(text: str) -> tuple[str, str]:
    """A label's key without its ordinal and its key string (`_label_key_positions`), in one cached call."""
    return label_key(text, False), _label_key_positions(text)[0]


# Values are frozen and the same few tokens ("0", "1", "—") fill most cells: parse and classify each once.
_parse_value = lru_cache(maxsize=65536)(parse_value)
_is_value = lru_cache(maxsize=65536)(is_value)


@lru_cache(maxsize=65536)
def _plain_count(text: str) -> int | None:
    """The number of an integer cell that needs no note (no unit written, a whole number, not negative), else
    None: most cells, read with one cached call."""
    value = _parse_value(text)
    number = value.number
    if number is None or value.unit or value.not_integer or number < 0:
        return None
    return number


@dataclass
class ParsedTables:
    cells: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------- streams of items


def _tab_cells_to_items(cells: list[str], page: int | None, row: int, from_grid: bool) -> list[Item]:
    """Cells of one row: labels, then values; blank cells between values are blank values, others padding."""
    kinds = ["empty" if not c.strip() else ("value" if _is_value(c) else "label") for c in cells]
    last_label = max((i for i, k in enumerate(kinds) if k == "label"), default=-1)
    items: list[Item] = []
    for index, (cell, kind) in enumerate(zip(cells, kinds, strict=True)):
        if kind == "label":
            items.append(_label(cell.strip(), page, row, from_grid, index if from_grid else None))
        elif kind == "value":
            items.append(("value", cell.strip(), page, row, from_grid, index if from_grid else None, "", ""))
        elif index > last_label and _blank_counts(kinds, index, last_label, from_grid):
            items.append(("value", "", page, row, from_grid, index if from_grid else None, "", ""))
    return items


def _blank_counts(kinds: list[str], index: int, last_label: int, from_grid: bool) -> bool:
    """A blank cell after the labels is a blank value in a grid; in tab-separated text only between values."""
    if from_grid:
        return True
    before = any(k != "empty" for k in kinds[last_label + 1 : index])
    return before and any(k != "empty" for k in kinds[index + 1 :])


def _text_line_to_items(text: str, page: int | None, row: int, items: list[Item]) -> None:
    """A text line's items: tab-separated cells, or whitespace-separated tokens where a run of label tokens
    is one label (a token of decimal digits is a value without asking `_is_value`)."""
    if "\t" in text:
        items.extend(_tab_cells_to_items(text.split("\t"), page, row, from_grid=False))
        return
    label: list[str] = []
    for token in text.split():
        if token.isdecimal() or _is_value(token):
            if label:
                joined = " ".join(label)  # `_label` written out: this runs for most labels
                core, key = _item_keys(joined)
                items.append(("label", joined, page, row, False, None, core, key))
                label = []
            items.append(("value", token, page, row, False, None, "", ""))
        else:
            label.append(token)
    if label:
        joined = " ".join(label)
        core, key = _item_keys(joined)
        items.append(("label", joined, page, row, False, None, core, key))


def items_from_lines(lines: list[Line]) -> list[Item]:
    """The items of text lines; a line of running text (a sentence end, or a long line with commas and
    `PROSE_CJK` CJK characters) is one prose item, not a table row: its numbers ("2023 年", "51 件") are not
    cells."""
    items: list[Item] = []
    for row, line in enumerate(lines):
        text = line.text
        # the test written out here: it runs on every line
        if "\t" not in text and ("。" in text or (len(text) >= PROSE_CJK and "，" in text
                                                  and _ENOUGH_CJK.match(text))):
            items.append(("prose", text, line.page, row, False, None, "", ""))
        else:
            _text_line_to_items(text, line.page, row, items)
    return items


def items_from_grids(grids: list[Grid]) -> list[Item]:
    items: list[Item] = []
    row = 0
    for grid in grids:
        for cells in grid.rows:
            items.extend(_tab_cells_to_items([c or "" for c in cells], grid.page, row, from_grid=True))
            row += 1
    return items


@lru_cache(maxsize=65536)
def _label_key_positions(text: str) -> tuple[str, tuple[int, ...]]:
    """A label's key string and, for each key character, its position in the label as written."""
    norm = unicodedata.normalize("NFKC", text)
    if len(norm) == len(text):
        matches = list(_KEY_CHAR.finditer(norm))
        return "".join(m.group() for m in matches), tuple(m.start() for m in matches)
    key, positions = [], []
    for pos, ch in enumerate(text):
        chars = _NOT_KEY.sub("", unicodedata.normalize("NFKC", ch))
        key.append(chars)
        positions.extend([pos] * len(chars))
    return "".join(key), tuple(positions)


@dataclass
class Stream:
    """The items of a region and the concatenated key string of its labels, mapped back to items.

    A key character's item is found by bisecting `starts` (a label's key chars run from its start to the
    next item's), its place in the label as written from the label's cached key positions: no per-character
    tables are built, most streams are only searched."""

    items: list[Item]
    keys: str = ""
    starts: list[int] = field(default_factory=list)  # item index -> its first key char (or the next item's)
    by_core: dict[str, list[int]] = field(default_factory=dict)  # a label's core -> its items, in order
    values: list[int] = field(default_factory=list)  # the value items, in order

    def __post_init__(self) -> None:
        items, by_core = self.items, self.by_core
        labels = [index for index, item in enumerate(items) if item[KIND] == "label"]
        self.values = [index for index, item in enumerate(items) if item[KIND] == "value"]
        lengths = [0] * len(items)  # key chars per item: a label's key, nothing for the others
        keys = []
        for index in labels:
            item = items[index]
            same_core = by_core.get(item[CORE])  # no empty list made for every label, as setdefault would
            if same_core is None:
                by_core[item[CORE]] = [index]
            else:
                same_core.append(index)
            keys.append(item[KEY])
            lengths[index] = len(item[KEY])
        self.keys = "".join(keys)
        self.starts = list(accumulate(lengths, initial=0))

    def key_offset(self, item_index: int) -> int:
        """The first key char at or after an item."""
        return self.starts[min(item_index, len(self.items))]

    def raw_label(self, positions: list[int]) -> str:
        """The label text as written at these key positions (increasing), with its leading ordinal and brackets."""
        if not positions:
            return ""
        starts = self.starts
        spans: list[list[int]] = []  # [item, its first key char, its last key char] in order
        bound = -1
        for k in positions:
            if k >= bound:
                index = bisect_right(starts, k) - 1
                bound = starts[index + 1]
                spans.append([index, k, k])
            else:
                spans[-1][2] = k
        return self._written(spans)

    def raw_label_between(self, start: int, end: int) -> str:
        """`raw_label` of the key chars start..end-1, one span per label item they cross."""
        items, starts = self.items, self.starts
        spans: list[tuple[str, int, int]] = []
        while start < end:
            index = bisect_right(starts, start) - 1
            first, following = starts[index], starts[index + 1]
            spans.append((items[index][TEXT], start - first, (following if following < end else end) - 1 - first))
            start = following
        return _written_label(tuple(spans)) if spans else ""

    def _written(self, spans: list[list[int]]) -> str:
        """The label as written over [item, first key char, last key char] spans."""
        items, starts = self.items, self.starts
        return _written_label(tuple([(items[index][TEXT], first - starts[index], last - starts[index])
                                     for index, first, last in spans]))


@lru_cache(maxsize=16384)
def _written_label(spans: tuple[tuple[str, int, int], ...]) -> str:
    """The label as written over (label text, its first key char, its last key char) spans, the first with its
    leading ordinal and brackets, the last with its closing brackets. Cached: it depends on the label texts
    alone, and the same row labels, broken the same way, come back in every report of a layout."""
    pieces: list[str] = []
    last_span = len(spans) - 1
    for number, (text, first, last) in enumerate(spans):
        written = _label_key_positions(text)[1]
        begin, stop = written[first], written[last] + 1
        if not pieces:
            while begin > 0 and text[begin - 1] in _OPENING:
                begin -= 1
            ordinal = _ORDINAL_TAIL.search(text[:begin]) if begin else None  # an ordinal is never empty
            begin = ordinal.start() if ordinal else begin
        if number != last_span:
            stop = len(text)
        else:
            tail = text[stop:].strip()
            if len(tail) <= 2 and " " not in tail:
                stop = len(text)  # a fuzzy match may stop short of a mistyped last character
        while stop < len(text) and text[stop] in _CLOSING:
            stop += 1
        pieces.append(text[begin:stop])
    return clean_label(" ".join(pieces))


# ---------------------------------------------------------------- regions


_ANCHORS: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...], str]] = {}


def _section_cores(template: Template, number: int) -> frozenset[str]:
    section = template.sections[number - 1]
    return frozenset(label_key(h, ordinal=False) for h in (section.heading, *section.variants))


def _anchors(template: Template, table: Table) -> tuple[frozenset[str], tuple[str, ...], str]:
    """(whole-label keys, label-prefix keys, contained key) that mark where a table starts."""
    cache_key = (template.id, table.name)
    if cache_key not in _ANCHORS:
        whole = _section_cores(template, table.section) | {label_key(table.title, ordinal=False)}
        prefixes: tuple[str, ...] = ()
        contained = "\0"
        if table.name == "art20":
            prefixes = tuple(label_key(block.item) for block in table.blocks if block.item)
        elif table.name == "applications":
            contained = label_key(table.rows[0].label.split("/")[-1], ordinal=False)
        else:
            prefixes = (label_key(table.cols[0].label.split("/")[0]),)
        _ANCHORS[cache_key] = (whole, prefixes, contained)
    return _ANCHORS[cache_key]


def _first_anchor(items: list[Item], position: int, anchors: tuple[frozenset[str], tuple[str, ...], str]) -> int | None:
    """The first label from `position` on that marks the table's start."""
    whole, prefixes, contained = anchors
    for index in range(position, len(items)):
        item = items[index]
        if item[KIND] == "label":
            core = item[CORE]
            if core in whole or core.startswith(prefixes) or contained in core:
                return index
    return None


def table_regions(items: list[Item], template: Template) -> dict[str, tuple[int, int]]:
    """Item ranges of the three tables, found by anchors from the declaration (title, heading, first label)."""
    starts: dict[str, int] = {}
    position = 0
    for name in TABLE_NAMES:
        anchors = _anchors(template, template.tables[name])
        hit = _first_anchor(items, position, anchors)
        if hit is not None:
            starts[name] = _header_start(items, hit, position)
            position = hit + 1
    regions: dict[str, tuple[int, int]] = {}
    found = [n for n in TABLE_NAMES if n in starts]
    for index, name in enumerate(found):
        end = starts[found[index + 1]] if index + 1 < len(found) else _region_end(items, starts[name], template)
        regions[name] = (starts[name], end)
    return regions


def _header_start(items: list[Item], hit: int, floor: int) -> int:
    """Back from an anchor over the rows above it that hold no number (a grid's header rows), so that
    a table found by its first row label keeps its column headers.

    Row by row: items come in source-row order (so a row's items before the anchor are one run) and a
    prose line is an item alone on its row."""
    start = hit
    while start > floor and items[start - 1][KIND] != "prose":
        low = _row_start(items, start - 1, floor)
        if any(item[KIND] == "value" and item[TEXT] for item in items[low:start]):
            break
        start = low
    return start


def _row_start(items: list[Item], at: int, floor: int) -> int:
    """The first item from `floor` on of the source row item `at` is in."""
    row = items[at][SOURCE_ROW]
    while at > floor and items[at - 1][SOURCE_ROW] == row:
        at -= 1
    return at


_LATER_SECTIONS: dict[str, frozenset[str]] = {}


def _region_end(items: list[Item], start: int, template: Template) -> int:
    """The last table ends at the next section heading (五 or 六), or at the end of the stream."""
    if template.id not in _LATER_SECTIONS:
        _LATER_SECTIONS[template.id] = frozenset().union(
            *(_section_cores(template, s.number) for s in template.sections if s.number >= 5))
    later = _LATER_SECTIONS[template.id]
    for index in range(start + 1, len(items)):
        if items[index][KIND] == "label" and items[index][CORE] in later:
            return index
    return len(items)


# ---------------------------------------------------------------- row matching


@dataclass(slots=True)
class RowMatch:
    row: Label
    block: Block
    key_start: int
    key_end: int
    item: int
    score: float
    label_raw: str = ""


def _row_keys(row: Label) -> tuple[list[str], list[str]]:
    """Keys to search exactly: with ordinal (official label and variants), then without ordinal."""
    return _label_keys(row.label, row.variants)


@lru_cache(maxsize=4096)
def _label_keys(label: str, variants: tuple[str, ...]) -> tuple[list[str], list[str]]:
    names = [label.split("/")[-1], *(v.split("/")[-1] for v in variants)]
    return [label_key(n) for n in names], [label_key(n, ordinal=False) for n in names]


@dataclass(frozen=True)
class _TableRows:
    """A table's rows in template order, the keys each is searched by and the (row, col) of every cell it
    declares, prepared once per table."""

    rows: tuple[tuple[Block, Label], ...]
    # per row: (keys searched anywhere in the key string, short cores matched only as a whole label)
    searches: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    declared: frozenset[tuple[str, str]]


_TABLE_ROWS: dict[int, tuple[Table, _TableRows]] = {}


def _table_rows(table: Table) -> _TableRows:
    """The prepared rows of a table (the entry holds the table, so its id is not reused while cached)."""
    entry = _TABLE_ROWS.get(id(table))
    if entry is None or entry[0] is not table:
        rows = tuple((block, row) for block in table.blocks for row in block.rows)
        searches = []
        for _, row in rows:
            full, cores = _row_keys(row)
            anywhere = tuple(dict.fromkeys([key for key in full if key] + [core for core in cores if len(core) >= 4]))
            # a short core that is also searched anywhere adds nothing: its whole-label matches are among those
            whole = tuple(dict.fromkeys(core for core in cores if len(core) < 4 and core not in anywhere))
            searches.append((anywhere, whole))
        declared = frozenset((row.label, col.label) for block, row in rows for col in block.cols)
        entry = _TABLE_ROWS[id(table)] = (table, _TableRows(rows, tuple(searches), declared))
    return entry[1]


def _occurrences(stream: Stream, anywhere: tuple[str, ...], whole: tuple[str, ...]) -> list[tuple[int, int]]:
    """Every exact occurrence of a row's label in the key string, as (start, end), in order: its keys anywhere,
    its short cores as whole labels. No two keys give the same occurrence: a (start, end) spells one string,
    and the keys of a row are distinct (`_table_rows`)."""
    keys = stream.keys
    found: list[tuple[int, int]] = []
    for key in anywhere:
        start = keys.find(key)
        while start != -1:
            found.append((start, start + len(key)))
            start = keys.find(key, start + 1)
    for core in whole:
        found += _whole_item_matches(stream, core)
    if len(anywhere) + len(whole) > 1:
        found.sort()
    return found


def _find_all(text: str, key: str) -> list[tuple[int, int]]:
    found = []
    start = text.find(key) if key else -1
    while start != -1:
        found.append((start, start + len(key)))
        start = text.find(key, start + 1)
    return found


def _whole_item_matches(stream: Stream, core: str) -> list[tuple[int, int]]:
    """Short labels ("其他", "总计", "规章") match only a whole label cell, never part of a longer label."""
    out = []
    for index in stream.by_core.get(core, ()):
        end = stream.key_offset(index + 1)
        out.append((end - len(core), end))
    return out


def _longest_chain(candidates: list[list[tuple[int, int]]]) -> list[tuple[int, int] | None]:
    """One occurrence per row (or None) so that positions increase in template order, matching most rows.

    Longest increasing chain by dynamic programming over every occurrence (a few dozen per table); ties go
    to the earliest rows and positions. The common case needs no search (`_ordered_chain`).
    """
    ordered = _ordered_chain(candidates)
    return ordered if ordered is not None else _searched_chain(candidates)


def _searched_chain(candidates: list[list[tuple[int, int]]]) -> list[tuple[int, int] | None]:
    """`_longest_chain` by dynamic programming."""
    entries: list[tuple[int, int, int, tuple[int, int], int]] = []  # (end, chain length, row, occurrence, back)
    by_length: list[list[tuple[int, int]]] = [[]]  # chain length -> (end, entry index) in entry order
    least_end: list[float] = [math.inf]  # chain length -> the smallest end among its entries
    for row, occurrences in enumerate(candidates):
        new = []
        longest = len(by_length) - 1
        for occ in occurrences:
            start = occ[0]
            count = longest  # the longest chain ending before occ; its first entry
            while count and least_end[count] > start:
                count -= 1
            back = -1
            if count:
                back = next(index for end, index in by_length[count] if end <= start)
            new.append((occ[1], count + 1, row, occ, back))
        for entry in new:
            end, length = entry[0], entry[1]
            if length == len(by_length):
                by_length.append([])
                least_end.append(end)
            elif end < least_end[length]:
                least_end[length] = end
            by_length[length].append((end, len(entries)))
            entries.append(entry)
    chain: list[tuple[int, int] | None] = [None] * len(candidates)
    if not entries:
        return chain
    best, index = None, -1
    for k, (_, length, row, occ, _) in enumerate(entries):
        key = (length, -occ[0], row)
        if best is None or key > best:
            best, index = key, k
    while index >= 0:
        _, _, row, occ, index = entries[index]
        chain[row] = occ
    return chain


def _ordered_chain(candidates: list[list[tuple[int, int]]]) -> list[tuple[int, int] | None] | None:
    """The chain when every row's occurrences all lie after every occurrence of the previous row found
    (None otherwise): then every found row is in it, each by its first occurrence — what the search picks
    (each occurrence extends the whole chain before it; ties go to the earliest position)."""
    chain: list[tuple[int, int] | None] = []
    last_end = 0
    for occurrences in candidates:
        if not occurrences:
            chain.append(None)
            continue
        if occurrences[0][0] < last_end:
            return None
        chain.append(occurrences[0])
        for _, end in occurrences:  # a loop, not max() of a generator: no generator object per row
            if end > last_end:
                last_end = end
    return chain


def _fuzzy_fill(stream: Stream, rows: tuple[tuple[Block, Label], ...], chain: list) -> list:
    """Rows not found exactly: in the gap their found neighbours leave, the label with interleaved
    fragments, else the best fuzzy occurrence (typos)."""
    filled = list(chain)
    for index, (_, row) in enumerate(rows):
        if filled[index] is not None:
            continue
        full, cores = _row_keys(row)
        if len(cores[0]) < 4:
            continue
        low, high = 0, len(stream.keys)  # the gap: after every row found before, before every row found after
        for found in filled[:index]:
            if found and found[1] > low:
                low = found[1]
        for found in filled[index + 1 :]:
            if found and found[0] < high:
                high = found[0]
        if low >= high:
            continue
        window = stream.keys[low:high]
        for key in (*full, *cores):
            gapped = _gapped(window, key)
            if gapped:
                break
        if gapped:
            gapped = [low + position for position in gapped]
            filled[index] = (gapped[0], gapped[-1] + 1, GAPPED_SCORE, gapped)
            continue
        best = max((fuzz.partial_ratio_alignment(core, window) for core in cores), key=lambda a: a.score)
        if best.score >= FUZZY_MIN_SCORE and (best.dest_end - best.dest_start) >= len(cores[0]) * 0.6:
            filled[index] = (low + best.dest_start, low + best.dest_end, best.score)
    return filled


@lru_cache(maxsize=4096)
def _gapped(window: str, key: str) -> tuple[int, ...] | None:
    """`find_in_order` over a whole window of the key string, cached: a window between two found rows holds label
    text only, and the same labels broken the same way come back in every report of a layout."""
    found = find_in_order(window, key, 0, len(window))
    return tuple(found) if found else None


def match_rows(stream: Stream, table: Table) -> list[RowMatch | None]:
    """For each declared row of a table (template order), where its label is in the stream."""
    prepared = _table_rows(table)
    rows = prepared.rows
    chain = _longest_chain([_occurrences(stream, anywhere, whole) for anywhere, whole in prepared.searches])
    filled = _fuzzy_fill(stream, rows, chain)
    matches: list[RowMatch | None] = []
    for (block, row), span in zip(rows, filled, strict=True):
        if span is None:
            matches.append(None)
            continue
        start, end = span[0], span[1]
        score = span[2] if len(span) > 2 else 100.0
        label_raw = stream.raw_label(span[3]) if len(span) > 3 else stream.raw_label_between(start, end)
        item = bisect_right(stream.starts, start) - 1  # the label item its first key char belongs to
        matches.append(RowMatch(row, block, start, end, item, score, label_raw))
    return matches


# ---------------------------------------------------------------- values


def _value_warning(table: Table, block: Block, row: Label, col: Label, item: Item, value: Value) -> dict | None:
    """What is odd about a value cell, if anything: blank, money in another unit, a fraction, a negative count."""
    if value.number is None:
        code, detail = "cell_blank", {"reason": value.absent_reason}
        message = f"written as {item[TEXT]!r}, kept absent"
    elif value.unit in MONEY_UNITS and value.unit != block.unit:
        code, detail = "unit_in_cell", {"unit": value.unit, "declared_unit": block.unit}
        message = f"{item[TEXT]} carries its own unit (declared: {block.unit or 'none'}); the number is kept as written"
    elif value.not_integer:
        code, detail, message = "not_integer", {}, f"{item[TEXT]} is not a whole number"
    elif isinstance(value.number, int) and value.number < 0 and col.value_type != "signed_integer":
        code, detail, message = "negative_value", {}, f"negative count {item[TEXT]}"
    else:
        return None
    return {"code": code, **detail, "table": table.name, "row": row.label, "col": col.label, "raw": item[TEXT],
            "page": item[PAGE], "message": f"{row.label} / {col.label}: {message}"}


def _header_col_raw(stream: Stream, block: Block, low: int, high: int) -> dict[str, str]:
    """Column labels found in the block's header (official label or a declared variant), as found."""
    header = stream.keys[low:high]
    found: dict[str, str] = {}
    for col in block.cols:
        for name in (col.label, *col.variants):
            if label_key(name) and label_key(name) in header:
                found[col.key] = name
                break
    return found


def _values_between(stream: Stream, start_item: int, stop_item: int) -> list[int]:
    """The value items after one item and before another."""
    values = stream.values
    return values[bisect_right(values, start_item) : bisect_left(values, stop_item)]


def _is_repeat(items: list[Item], extra: list[int], taken: list[int]) -> bool:
    """Extra values that only repeat a merged cell (same text, same grid row) or are blank are not data."""
    texts = {items[i][TEXT] for i in taken}
    return all(items[i][TEXT] == "" or (items[i][FROM_GRID] and items[i][TEXT] in texts) for i in extra)


def assign_rows(stream: Stream, table: Table, matches: list[RowMatch | None], region_end: int, method: str,
                result: ParsedTables) -> None:
    """Cells of every found row: the first n values after its label, before the next found label."""
    found = [(i, m) for i, m in enumerate(matches) if m is not None]
    rows = _table_rows(table).rows
    headers: dict[str, dict[str, str]] = {}
    for position, (index, match) in enumerate(found):
        stop = found[position + 1][1].item if position + 1 < len(found) else region_end
        values = _values_between(stream, match.item, stop)
        next_index = found[position + 1][0] if position + 1 < len(found) else len(rows)
        skipped = rows[index + 1 : next_index]
        if match.block.key not in headers:  # the header above the block's first row found
            headers[match.block.key] = _header_col_raw(stream, match.block, max(0, match.key_start - 400),
                                                       match.key_start)
        _assign_row(stream, table, match, values, skipped, headers[match.block.key], method, result)


def _assign_row(stream: Stream, table: Table, match: RowMatch, values: list[int], skipped: list,
                header: dict[str, str], method: str, result: ParsedTables) -> None:
    items = stream.items
    n = len(match.block.cols)
    uncertain = match.score < CERTAIN_SCORE
    if len(values) < n:
        result.warnings.append(_incomplete(table, match.row, [items[v][TEXT] for v in values], n))
        return
    by_header = _values_by_header(stream, match, values) if len(values) > n else None
    if by_header is not None:
        _emit(stream, table, match.block, match.row, by_header, match.label_raw, header, uncertain, method, result)
        return
    _emit(stream, table, match.block, match.row, values[:n], match.label_raw, header, uncertain, method, result)
    extra = values[n:]
    if not extra or _is_repeat(items, extra, values[:n]):
        return
    if skipped and all(len(b.cols) == n for b, _ in skipped) and len(extra) == n * len(skipped):
        for k, (block, row) in enumerate(skipped):
            chunk = extra[k * n : (k + 1) * n]
            _emit(stream, table, block, row, chunk, "", {}, True, method, result)
            result.warnings.append({"code": "row_by_order", "table": table.name, "row": row.label,
                                    "message": f"{row.label}: label not found; values assigned by template order "
                                               "(uncertain)"})
        return
    result.warnings.append({"code": "extra_values", "table": table.name, "row": match.row.label,
                            "values": [items[v][TEXT] for v in extra],
                            "message": f"{match.row.label}: {len(extra)} more values than columns; first {n} taken"})


def _values_by_header(stream: Stream, match: RowMatch, values: list[int]) -> list[int] | None:
    """In a grid row with more value cells than columns (an added 小计 or 序号 column), the cells under the
    declared column headers, when the header above names every declared column in its own grid column."""
    items = stream.items
    n = len(match.block.cols)
    if len(values) <= n or not all(items[v][FROM_GRID] for v in values):
        return None
    if len({items[v][SOURCE_ROW] for v in values[:n + 1]}) != 1:
        return None
    row_values = [v for v in values if items[v][SOURCE_ROW] == items[values[0]][SOURCE_ROW]]
    columns = _header_columns(stream, match)
    if columns is None or len(row_values) <= n:
        return None
    by_column = {items[v][COLUMN]: v for v in row_values}
    picked = [by_column.get(columns[col.key]) for col in match.block.cols]
    return None if None in picked else picked


def _header_columns(stream: Stream, match: RowMatch) -> dict[str, int] | None:
    """Grid column of each declared column of the block, read from the header cells above its rows."""
    items = stream.items
    columns: dict[str, int] = {}
    for col in match.block.cols:
        names = {label_key(name.split("/")[-1]) for name in (col.label, *col.variants)}
        hits = [item[COLUMN] for item in items[: match.item]
                if item[KIND] == "label" and item[FROM_GRID] and label_key(item[TEXT]) in names]
        if not hits:
            return None
        columns[col.key] = hits[-1]
    return columns if len(set(columns.values())) == len(columns) else None


def _emit(stream: Stream, table: Table, block: Block, row: Label, values: list[int], label_raw: str,
          header: dict[str, str], uncertain: bool, method: str, result: ParsedTables) -> None:
    items, cells = stream.items, result.cells
    default_type = row.value_type or block.value_type
    # the row's cells are copies of one dict with the fields the row shares: copying a dict and setting five
    # fields costs two thirds of building it from eleven pairs (callgrind: 2,495 against 3,865 instructions)
    shared = {"table": table.name, "row": row.label, "col": None, "value": None, "row_key": row.key, "col_key": None,
              "label_raw": label_raw, "col_raw": None, "page": None, "method": method, "uncertain": uncertain}
    for col, index in zip(block.cols, values):  # noqa: B905 (n values by construction; strict= parses a keyword)
        item = items[index]
        value_type = col.value_type or default_type
        # most cells are counts written plainly (one cached call, nothing to note); the others are parsed in full
        number = _plain_count(item[TEXT]) if value_type == "integer" else None
        value = None
        if number is None:
            # the default type by position alone: a one-string call is cached under the string, no key tuple
            value = _parse_value(item[TEXT]) if value_type == "integer" else _parse_value(item[TEXT], value_type)
            number = value.number
        if number is not None:
            cell = shared.copy()
            cell["col"] = col.label
            cell["value"] = number
            cell["col_key"] = col.key
            cell["col_raw"] = header.get(col.key)
            cell["page"] = item[PAGE]
            if value is None:
                cells.append(cell)
                continue
            if value.unit:
                cell["unit_raw"] = value.unit
            cells.append(cell)
            if not (value.unit or value.not_integer or number < 0):
                continue
        warning = _value_warning(table, block, row, col, item, value)
        if warning:
            result.warnings.append(warning)


def _incomplete(table: Table, row: Label, found: list[str], n: int) -> dict:
    return {"code": "row_incomplete", "table": table.name, "row": row.label, "values": found,
            "message": f"{row.label}: {len(found)} values found for {n} columns; the row's cells are left absent "
                       "rather than guessed by position"}


def assign_unlabelled_row(stream: Stream, table: Table, start: int, end: int, method: str,
                          result: ParsedTables) -> None:
    """A one-row table without a row label (table 四): the first n values of its region, in column order."""
    block = table.blocks[0]
    row = block.rows[0]
    n = len(block.cols)
    values = [i for i in range(start, end) if stream.items[i][KIND] == "value"]
    # the values start on the first row that has a written value: blank cells of header rows are not values
    first_row = next((stream.items[v][SOURCE_ROW] for v in values if stream.items[v][TEXT]), None)
    values = [v for v in values if first_row is not None and stream.items[v][SOURCE_ROW] >= first_row]
    if len(values) < n:
        result.warnings.append(_incomplete(table, row, [stream.items[v][TEXT] for v in values], n))
        return
    taken = values[:n]
    interrupted = any(stream.items[i][KIND] != "value" for i in range(taken[0], taken[-1] + 1))
    _emit(stream, table, block, row, taken, "", {}, interrupted, method, result)


# ---------------------------------------------------------------- entry point


def parse_table(items: list[Item], region: tuple[int, int], table: Table, method: str) -> ParsedTables:
    result = ParsedTables()
    start, end = region
    stream = Stream(items[start:end])
    if len(table.rows) == 1 and table.rows[0].label == table.title:  # the row has no label of its own
        assign_unlabelled_row(stream, table, 0, len(stream.items), method, result)
        return result
    matches = match_rows(stream, table)
    assign_rows(stream, table, matches, len(stream.items), method, result)
    if _out_of_row_order(result, sum(m is not None for m in matches)):
        return ParsedTables(warnings=[{
            "code": "table_layout_unreadable", "table": table.name,
            "message": f"{table.title}: labels and numbers are not in row order (column-wise text?); "
                       "no cell is taken rather than cells guessed"}])
    return result


def _out_of_row_order(result: ParsedTables, found_rows: int) -> bool:
    """Most rows without numbers and the numbers piled up elsewhere: the text was read column by column."""
    incomplete = sum(w["code"] == "row_incomplete" for w in result.warnings)
    piled = sum(len(w["values"]) for w in result.warnings if w["code"] == "extra_values")
    return found_rows > 0 and incomplete >= max(3, found_rows // 2) and piled >= incomplete


def _missing_warnings(table: Table, cells: list[dict]) -> list[dict]:
    """A warning per row with declared cells not read (`cells`: the table's, each (row, col) at most once)."""
    declared = _table_rows(table).declared
    if len(cells) == len(declared):  # the cells are declared ones, each once: all of them
        return []
    have = set(map(itemgetter("row", "col"), cells))
    warnings = []
    for block in table.blocks:
        for row in block.rows:
            cols = [c.label for c in block.cols if (row.label, c.label) not in have]
            if cols:
                warnings.append({"code": "cell_missing", "table": table.name, "row": row.label, "cols": cols,
                                 "message": f"{table.name}: {row.label}: no value for {', '.join(cols)}"})
    return warnings


def parse_tables(doc: Document, template: Template, lines: list[Line] | None = None) -> ParsedTables:
    """Every cell of the template's three tables that the document holds, with warnings for the rest.

    Grids (real tables) are read first; a table the grids do not hold is read from the text lines
    (`lines`: the document's lines already without page furniture, numbers closing a page kept).
    """
    sources, methods = [], []
    if doc.tables:
        sources.append(items_from_grids(doc.tables))
        methods.append(next((grid.method for grid in doc.tables if grid.method), doc.method))
    if lines is None:
        lines = drop_page_furniture(doc.lines, bare_numbers=False)
    sources.append(items_from_lines(lines))
    methods.append(doc.method)
    regions = [table_regions(items, template) for items in sources]
    result = ParsedTables()
    for name in TABLE_NAMES:
        table = template.tables[name]
        attempts: list[ParsedTables] = []
        for items, found, method in zip(sources, regions, methods, strict=True):
            if name in found:
                attempts.append(parse_table(items, found[name], table, method))
                if attempts[-1].cells:
                    break
        parsed = next((a for a in attempts if a.cells), None)
        if parsed is None:
            result.warnings.append({"code": "table_missing", "table": name,
                                    "message": f"table {table.title} ({name}) not found or no value read"})
            result.warnings.extend(w for a in attempts for w in a.warnings if w["code"] == "table_layout_unreadable")
            continue
        result.cells.extend(parsed.cells)
        result.warnings.extend(parsed.warnings)
        result.warnings.extend(_missing_warnings(table, parsed.cells))
    return result
