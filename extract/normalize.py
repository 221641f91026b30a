"""Label and text normalisation.

Two jobs. `label_key` turns any way a report writes a label (full- or half-width brackets, spaces
inside words, "1. " or "（一）、" ordinals, curly or straight quotes, words broken over lines) into one
comparable key, so the table parser can match it against the template declaration. `clean_text`
turns the lines a reader produced into the report's full text: hard wraps inside Chinese sentences
joined (PDF text is wrapped at the page width, sometimes with blank lines inside a sentence), page
headers, footers and page numbers dropped, paragraphs kept one per line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain, compress, count

from extract.document import Line

CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(rf"[{CJK}]")
# Chinese punctuation that may sit inside a label or a sentence; spaces next to it are layout.
_CJK_PUNCT = "，。、；：？！“”‘’（）《》【】〔〕「」…—"
_SPACE_IN_CJK = re.compile(rf"(?<=[{CJK}{_CJK_PUNCT}])[ \t\u3000\u00a0]+(?=[{CJK}{_CJK_PUNCT}])")
_NEWLINE_IN_CJK = re.compile(rf"(?<=[{CJK}{_CJK_PUNCT}])\s*\n\s*(?=[{CJK}{_CJK_PUNCT}])")

_CHINESE_NUMERALS = "一二三四五六七八九十"
# Ordinals that open a label or a heading: "一、", "（二）", "(二)、", "2.", "2．", "2、", "(3)", "第一"
ORDINAL = re.compile(
    rf"^\s*(?:[(（]\s*[{_CHINESE_NUMERALS}\d]+\s*[)）]\s*[、.．]?|[{_CHINESE_NUMERALS}]+\s*[、.．]|\d+\s*[、.．](?!\d))\s*"
)
# Everything that is not a letter, digit or CJK character is dropped from a key.
_NOT_KEY = re.compile(rf"[^0-9A-Za-z{CJK}]+")
_KEY_GAP = rf"[^0-9A-Za-z{CJK}]*"

_PAGE_NUMBER_FORM = (
    r"(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}"
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?)"
)
_PAGE_NUMBER = re.compile(rf"^\s*{_PAGE_NUMBER_FORM}\s*$")
# The same over stripped texts joined by (and opened and closed with) newlines, none inside a text: the spaces of
# the form kept within a line, a match opens with the newline before its line (a literal the search skips to)
_PAGE_NUMBER_LINE = re.compile("\n" + _PAGE_NUMBER_FORM.replace(r"\s", r"[^\S\n]") + r"(?=\n)")
_BARE_NUMBER = re.compile(r"^\s*\d{1,4}\s*$")
_DIGIT_RUN = re.compile(r"\d+")
_SENTENCE_END = tuple("。！？；：:;!?…）)》”")
_HEADING_START = re.compile(
    rf"^\s*(?:[{_CHINESE_NUMERALS}]+、|[(（][{_CHINESE_NUMERALS}\d]+[)）]|\d+[.．、](?!\d)|第.{{1,4}}[条章节项])"
)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３（）) to half-width, ideographic space to space (NFKC on those only)."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def join_cjk(text: str) -> str:
    """Remove spaces and newlines between Chinese characters ("结果 维持" -> "结果维持", "本\\n年度" -> "本年度")."""
    text = _NEWLINE_IN_CJK.sub("", text)
    return _SPACE_IN_CJK.sub("", text)


MAX_GAP = 8  # foreign characters allowed inside a label read in order


def find_in_order(keys: str, key: str, low: int, high: int) -> list[int] | None:
    """Positions of `key` in keys[low:high], read in order with at most MAX_GAP foreign characters between.

    Row-keeping PDF text puts the fragments of a vertically merged group label ("（三）不予" / "公开")
    between the fragments of the row label beside it ("1.属于国家" … "秘密"), and a header split over
    two lines interleaves its cells ("本年制 本年废" / "发件数 止件数").
    """
    if len(key) < 4:
        return None
    start = keys.find(key[0], low, high)
    while start != -1:
        positions, gap, pos = [start], 0, start + 1
        while len(positions) < len(key) and pos < high and gap <= MAX_GAP:
            if keys[pos] == key[len(positions)]:
                positions.append(pos)
            else:
                gap += 1
            pos += 1
        if len(positions) == len(key):
            return positions
        start = keys.find(key[0], start + 1, high)
    return None


def strip_ordinal(label: str) -> str:
    """The label without its leading ordinal ("（二）、部分公开" -> "部分公开", "1. 属于国家秘密" -> "属于国家秘密")."""
    return ORDINAL.sub("", label, count=1)


@lru_cache(maxsize=65536)
def label_key(label: str, ordinal: bool = True) -> str:
    """A comparable key for a label: NFKC, no spaces, no punctuation; without the ordinal unless asked.

    `ordinal` may be passed by position: hot callers do, as a keyword makes the cache build a dict per call."""
    text = unicodedata.normalize("NFKC", label or "")
    if not ordinal:
        text = strip_ordinal(text)
    return _NOT_KEY.sub("", text)


def text_key(text: str) -> str:
    """`label_key` of a whole document's text, not cached: a document's text never comes back in a batch, and a
    cache entry would keep it and its key alive for the rest of the batch (and make a benchmark that reads the
    same documents round after round look faster than a real batch).

    Made as `label_key` makes it, cheaper: NFKC over a whole text costs ~70 ns a Chinese character, yet it
    changes none of the characters most of a text is made of (`_NFKC_STABLE`). Full-width punctuation becomes
    ASCII punctuation, which the key drops: followed by a stable character it is dropped at once (no character
    composes with what follows it then); NFKC then runs only on the runs of other characters, each with the
    character before it, so a combining mark still composes with its base. A test holds it to `label_key`."""
    text = _DROPPED_FULLWIDTH.sub("", text)
    pieces, done = [], 0
    for run in _NFKC_UNSTABLE_RUN.finditer(text):
        start = max(run.start() - 1, done)
        pieces += (text[done:start], unicodedata.normalize("NFKC", text[start : run.end()]))
        done = run.end()
    pieces.append(text[done:])
    return _NOT_KEY.sub("", "".join(pieces))


# Characters NFKC leaves as they are, none of them a combining mark (tested): ASCII, the CJK ideographs of the
# key, CJK punctuation but its combining tone marks 〪〭〮〯〫〬, 〶 and the Hangzhou numerals 〸〹〺 (which become
# 十 卄 卅), dashes and quotation marks.
_NFKC_STABLE = r"\x00-\x7f\u3400-\u9fff\u3001-\u3029\u3030-\u3035\u3037\u303b-\u303f\u2010\u2012-\u2016\u2018-\u2023"
_NFKC_UNSTABLE_RUN = re.compile(rf"[^{_NFKC_STABLE}]+")
# The ideographic space and full-width ASCII punctuation: NFKC makes them ASCII space and punctuation
_FULLWIDTH_PUNCTUATION = r"\u3000\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e"
_DROPPED_FULLWIDTH = re.compile(rf"[{_FULLWIDTH_PUNCTUATION}]+(?=[{_NFKC_STABLE}]|\Z)")
# A character outside both: a text without one keys as `_NOT_KEY.sub("", text)` (NFKC changes no stable character
# and makes full-width punctuation ASCII punctuation, which the key drops; none of them composes with a neighbour)
_NOT_KEYED_BY_DROPPING = re.compile(rf"[^{_NFKC_STABLE}{_FULLWIDTH_PUNCTUATION}]")


class KeyedText:
    """A text asked whether keys are in its `text_key`, without keying it where that is not needed.

    A text made only of stable characters and full-width punctuation (most reports) holds a key in its key
    when the key's characters follow each other in the text with only characters the key drops between them,
    which one regular expression per key finds far sooner than the whole text is keyed; any other text is
    keyed once, as `text_key` keys it."""

    __slots__ = ("_key", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._key = text_key(text) if _NOT_KEYED_BY_DROPPING.search(text) else None

    @property
    def key(self) -> str:
        """The whole text's key (made on first use)."""
        if self._key is None:
            self._key = text_key(self.text)
        return self._key

    def __contains__(self, key: str) -> bool:
        if self._key is not None:
            return key in self._key
        return _spread_key(key).search(self.text) is not None


@lru_cache(maxsize=1024)
def _spread_key(key: str) -> re.Pattern[str]:
    """A key's characters with any characters a key drops between them (`key` holds key characters only)."""
    return re.compile(_KEY_GAP.join(map(re.escape, key)))


@lru_cache(maxsize=16384)
def clean_label(label: str) -> str:
    """A label as found, tidied for display: single spaces, no line breaks, no spaces between CJK characters.
    Cached: the same row labels come back in every report."""
    text = join_cjk(label.replace("\r", ""))
    return re.sub(r"\s+", " ", text).strip()


def display_width(text: str) -> int:
    """Width in half-width units: a CJK character or full-width sign counts two.

    Counted from the UTF-8 length (wide characters take three bytes, ASCII one), which is exact for
    Chinese text and ASCII and off by half a unit for the rare two-byte character (é, ×) — close enough
    for judging line widths, and far cheaper than asking unicodedata about every character.
    """
    return len(text) + (len(text.encode("utf-8")) - len(text)) // 2


def has_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.search(text))


def repeated_margins(edges: Iterable[tuple[str, str]], page_count: int) -> set[str]:
    """Lines that open or close most pages (running headers and footers), compared without digits.
    `edges`: the first and last line with text of each page that has one (stripped)."""
    if page_count < 3:
        return set()
    masked = [_DIGIT_RUN.sub("#", text) for pair in edges for text in pair]
    counts = Counter(chain.from_iterable(map(set, zip(masked[::2], masked[1::2], strict=True))))  # once a page
    return {line for line, n in counts.items() if n >= max(3, page_count // 2 + 1)}


def drop_page_furniture(lines: Sequence[Line], *, bare_numbers: bool = True) -> list[Line]:
    """Lines without page numbers ("- 3 -", "第3页 共9页", a bare number closing a page) and running headers.

    With `bare_numbers=False` a bare number closing a page is kept: inside a table it may be a row's
    wrapped last value.
    """
    for_text, for_tables = without_page_furniture(lines)
    return for_text if bare_numbers else for_tables


def without_page_furniture(lines: Sequence[Line]) -> tuple[list[Line], list[Line]]:
    """Both views of `drop_page_furniture` in one pass: (for the text, bare page-closing numbers dropped;
    for the tables, those kept)."""
    _, furniture, bare = _page_furniture(lines)
    for_tables = _without(lines, furniture)
    return (_without(lines, furniture | bare) if bare else list(for_tables)), for_tables


def paragraphs_and_table_lines(lines: Sequence[Line]) -> tuple[list[str], list[Line]]:
    """`paragraphs` of the lines for the text and the lines for the tables (`without_page_furniture`), each
    line's text stripped once."""
    texts, furniture, bare = _page_furniture(lines)
    return _paragraphs(_without(texts, furniture | bare)), _without(lines, furniture)


def _without(items: Sequence, indexes: set[int]) -> list:
    if not indexes:
        return list(items)
    return [item for index, item in enumerate(items) if index not in indexes]


def _page_furniture(lines: Sequence[Line]) -> tuple[list[str], set[int], set[int]]:
    """The lines' texts stripped, the indexes of page numbers and running headers, and those of the bare
    numbers that close a page (furniture in the text, perhaps a wrapped value in a table).

    The pages' first and last lines with text are found by dicts made from the lines in order (the last
    index written for a page stays) and in reverse, and the page numbers by mapping the expression over
    the texts: no Python-level loop over every line."""
    texts = [line.text.strip() for line in lines]
    pages = [line.page for line in lines]
    page_count = len(set(pages) - {None})  # every page with a line, text or not
    furniture = {i for i in _page_numbers(texts) if len(texts[i]) <= 24}
    if page_count < 2:
        return texts, furniture, set()
    last = _edge_lines(pages, texts)  # page -> index of its last line with text
    if page_count >= 3:
        first = _edge_lines(pages, texts, backwards=True)  # and of its first
        margins = repeated_margins(((texts[first[page]], texts[last[page]]) for page in first), page_count)
        if margins:
            masked = _DIGIT_RUN.sub
            furniture.update(i for i, text in enumerate(texts) if masked("#", text) in margins)
    bare = {i for i in last.values() if _BARE_NUMBER.match(texts[i])}
    return texts, furniture, bare - furniture


def wrap_width(texts: Iterable[str]) -> int | None:
    """The width a PDF wrapped its paragraphs at: the commonest width among long lines (None if no wrapping).

    The commonest of the widths at or above the median (the first seen on a tie), or the top decile less 2
    if wider: `statistics.median` and `statistics.quantiles(n=10)[-1]` (exclusive method) written out on
    one sorted copy, the module's pure-Python generality being most of the paragraphs' time."""
    # display_width written out (no call per text); a text under 16 characters is narrower than 40 (width <= 2.5 × len)
    widths = [w for t in texts if len(t) >= 16 and (w := len(t) + (len(t.encode()) - len(t)) // 2) >= 40]
    count = len(widths)
    if count < 3:
        return None
    ordered = sorted(widths)
    half = count // 2
    median = ordered[half] if count % 2 else (ordered[half - 1] + ordered[half]) / 2
    common = Counter(filter(median.__le__, widths))
    commonest = max(common, key=common.__getitem__)
    m = count + 1
    j = min(max(9 * m // 10, 1), count - 1)
    delta = 9 * m - j * 10
    top_decile = (ordered[j - 1] * (10 - delta) + ordered[j] * delta) / 10
    return max(commonest, int(top_decile) - 2)


def _join(previous: str, following: str) -> str:
    if has_cjk(previous[-1:]) or has_cjk(following[:1]) or previous[-1:] in _CJK_PUNCT:
        return previous + following
    return previous + " " + following


def paragraphs(lines: Sequence[Line]) -> list[str]:
    """Paragraphs from wrapped lines: a full-width line without a sentence end continues on the next text line
    (its display width within 6 of the wrap width, the next line not opening a heading)."""
    return _paragraphs([line.text.strip() for line in lines])


def _edge_lines(pages: list[int | None], texts: list[str], backwards: bool = False) -> dict[int, int]:
    """Page -> the index of its last line with text (`backwards`: of its first), as the last index a dict made in
    line order keeps for each page: of any line, or, when one of those is blank, of the lines with text."""
    indexes = range(len(texts) - 1, -1, -1) if backwards else range(len(texts))
    in_order = pages[::-1] if backwards else pages
    edges = dict(zip(in_order, indexes, strict=True))
    edges.pop(None, None)
    if not all(map(texts.__getitem__, edges.values())):
        with_text = texts[::-1] if backwards else texts
        edges = dict(zip(compress(in_order, with_text), compress(indexes, with_text), strict=True))
        edges.pop(None, None)
    return edges


def _page_numbers(texts: list[str]) -> Iterable[int]:
    """The indexes of the stripped texts that are page numbers (`_PAGE_NUMBER`): one search over the texts
    joined, unless one holds a newline."""
    joined = "\n" + "\n".join(texts) + "\n"
    if joined.count("\n") != len(texts) + 1:
        return compress(count(), map(_PAGE_NUMBER.match, texts))
    return (joined.count("\n", 0, match.start()) for match in _PAGE_NUMBER_LINE.finditer(joined))


def _paragraphs(texts: list[str]) -> list[str]:
    """`paragraphs` of the lines' stripped texts."""
    width = wrap_width(texts)
    if width is None:
        return [text for text in texts if text]
    full = width - 6
    half = (full + 1) // 2  # 2 × len >= full
    heading = _HEADING_START.match
    out: list[str] = []
    previous = ""
    for text in filter(None, texts):
        if (len(previous) >= half and out and not previous.endswith(_SENTENCE_END)
                and display_width(previous) >= full and not heading(text)):
            out[-1] = _join(out[-1], text)
        else:
            out.append(text)
        previous = text
    return out


def clean_text(lines: Sequence[Line]) -> str:
    """The full text of a document, cleaned: one paragraph per line."""
    return "\n".join(paragraphs(drop_page_furniture(lines)))
