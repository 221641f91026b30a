"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

Why this design (issue 5 gives the measurements, this machine: SQLite 3.40.1, Datasette 0.65.5):
- unicode61 treats a run of Chinese characters as one token, so 复议 inside a sentence is never found;
- trigram finds nothing for 1-2 character words (复议, 诉讼, 公开, 费);
- jieba segmentation misses single characters and sub-words, and `?_search=` only works if the query is
  segmented the same way;
- C tokenizers cannot be loaded (Python's sqlite3 here has no extension loading) and an apsw tokenizer is
  invisible to Datasette.
So the index is fed a *shadow copy* of the text in which every run of Chinese characters is written as its
overlapping bigrams plus its last character alone (the stock unicode61 tokenizer then sees each as a token),
and a query is turned into a *phrase* of the same tokens (a single character is a prefix token). White space
between Chinese characters is removed first, so "复\\n议" in a PDF's text is found by 复议. Bigrams rather
than single characters: with one token per character, 复议 had to intersect the position lists of two very
common characters in every document (ranked search at 5,000 reports: 125-335 ms); with bigrams it reads the
list of one rare token, so the cost follows the number of matches, not the size of the archive.

The FTS table is external-content (`content="reports"`, the form Datasette detects) and is filled by the loader,
not by triggers, because it indexes the bigram copy rather than the column itself. FTS5 therefore cannot compute
highlights (it would re-tokenise the original column), so snippets are made by `snippet_marked` in Python:
the match is found with the same whitespace-insensitive rule and wrapped in private-use markers; the HTML
renderer escapes the text first and only then turns the markers into <mark>.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from html import escape

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_GAP = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")
_CJK_RUN = re.compile(f"([{CJK}]+)")
_CHAR = re.compile(r"\w")
_TOKEN = re.compile(f"(?=([{CJK}][{CJK}]?|[^\\W{CJK}]))\\w")
MARK_START, MARK_END = "\ue000", "\ue001"


def _runs(text: str) -> list[str]:
    """NFKC text without white space between Chinese characters, split into alternating non-CJK / CJK runs."""
    return _CJK_RUN.split(_CJK_GAP.sub("", unicodedata.normalize("NFKC", text)))


def _bigrams(run: str, final: bool) -> list[str]:
    """Overlapping pairs of a run of Chinese characters; `final` adds its last character alone."""
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*pairs, run[-1]] if final else pairs


def index_text(text: str | None) -> str:
    """The text as the index sees it: every run of Chinese characters as its overlapping bigrams followed by
    its last character alone ("行政复议" -> "行政 政复 复议 议"); every other letter or digit alone, so that
    "1件" finds "51件" as a substring search would.

    One regular-expression pass makes every token: at each letter or digit, a look-ahead captures the
    character and, when both are Chinese, the one after it (about 3x faster than splitting into runs and
    pairing characters in Python; the same tokens in the same order, tested against that definition)."""
    if not text:
        return ""
    return " ".join(_TOKEN.findall(_CJK_GAP.sub("", unicodedata.normalize("NFKC", text))))


def fts_query(query: str | None) -> str:
    """A user's query as one FTS5 phrase over the same tokens, so that it matches any substring of the text.

    A run of Chinese characters becomes its bigrams; a run followed by other words also gets its last
    character alone (as the text has it there); a query ending in a single Chinese character ends in a prefix
    token ("费" -> "费"*, which matches 费 as the first half of a bigram or alone at the end of a run)."""
    parts = _runs((query or "").replace('"', " "))
    tokens: list[str] = []
    prefix = False
    for i, part in enumerate(parts):
        if i % 2 == 0:
            tokens += _CHAR.findall(part)
            continue
        later_words = any(_CHAR.search(p) for p in parts[i + 1 :])
        if len(part) == 1 and not later_words:
            tokens.append(part)
            prefix = True
        else:
            tokens += _bigrams(part, later_words)
    if not tokens:
        return '""'
    return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")


def _char_pattern(char: str) -> str:
    if char.lower() != char.upper():
        return f"[{re.escape(char.lower())}{re.escape(char.upper())}]"
    return re.escape(char)


@cache
def _query_pattern(query: str) -> re.Pattern | None:
    """The query's characters with optional white space between them. Case is matched with [aA] classes, not
    re.IGNORECASE, which made searching a 4,000-character Chinese text about 50 times slower."""
    chars = [c for c in unicodedata.normalize("NFKC", query or "") if not c.isspace() and c != '"']
    if not chars:
        return None
    return re.compile(r"\s*".join(_char_pattern(c) for c in chars))


def _squash(text: str) -> str:
    """Line breaks from PDF wrapping vanish between Chinese characters; other white space becomes one space."""
    return re.sub(r"\s+", " ", _CJK_GAP.sub("", text))


def snippet_marked(text: str | None, query: str | None, width: int = 40) -> str | None:
    """About `width` characters either side of the first match, the match between MARK_START and MARK_END."""
    if not text:
        return None
    pattern = _query_pattern(query or "")
    match = pattern.search(text) if pattern else None
    flat = text
    if match is None and pattern is not None:  # full-width letters or digits: compare in NFKC
        flat = unicodedata.normalize("NFKC", text)
        match = pattern.search(flat)
    if match is None:
        return re.sub(r"\s+", " ", flat[: 2 * width])
    start, end = max(0, match.start() - width), min(len(flat), match.end() + width)
    before, hit, after = flat[start : match.start()], flat[match.start() : match.end()], flat[match.end() : end]
    return (
        ("…" if start else "")
        + _squash(before)
        + MARK_START
        + _squash(hit)
        + MARK_END
        + _squash(after)
        + ("…" if end < len(flat) else "")
    )


def marked_to_html(value: str) -> str:
    """Escape everything, then turn the markers into <mark>: text from a PDF can never inject markup."""
    return escape(value).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def index_entry(report_id: int, title: str | None, text: str | None) -> tuple[int, str, str]:
    """One row of the search index: the report's rowid and its title and text as the index sees them."""
    return report_id, index_text(title), index_text(text)


def index_entries(conn, entries: list[tuple[int, str, str]]) -> None:
    """Insert index rows (from index_entry) in one executemany, in ascending rowid order: FTS5 flushes its
    in-memory segment whenever a rowid is not above the previous one in the transaction, so unordered inserts
    would write one tiny segment per report."""
    conn.executemany("INSERT INTO reports_fts (rowid, title, text) VALUES (?, ?, ?)", sorted(entries))


def index_report(conn, report_id: int, title: str | None, text: str | None) -> None:
    index_entries(conn, [index_entry(report_id, title, text)])


def unindex_report(conn, report_id: int, title: str | None, text: str | None) -> None:
    """Remove a row from the external-content index; FTS5 needs the exact values that were indexed (index_entry)."""
    conn.execute(
        "INSERT INTO reports_fts (reports_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
        index_entry(report_id, title, text),
    )


def rebuild_index(conn) -> int:
    """Rebuild the whole index from `reports` (publish does this; load keeps it current incrementally)."""
    conn.execute("INSERT INTO reports_fts (reports_fts) VALUES ('delete-all')")
    count = 0
    for report_id, title, text in conn.execute("SELECT id, title, text FROM reports"):
        index_report(conn, report_id, title, text)
        count += 1
    conn.execute("INSERT INTO reports_fts (reports_fts) VALUES ('optimize')")
    return count
