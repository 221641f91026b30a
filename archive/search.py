"""Chinese full-text search on SQLite FTS5 without a custom tokenizer.

Why this design (issue 5 gives the measurements, this machine: SQLite 3.40.1, Datasette 0.65.5):
- unicode61 treats a run of Chinese characters as one token, so 复议 inside a sentence is never found;
- trigram finds nothing for 1-2 character words (复议, 诉讼, 公开, 费);
- jieba segmentation misses single characters and sub-words, and `?_search=` only works if the query is
  segmented the same way;
- C tokenizers cannot be loaded (Python's sqlite3 here has no extension loading) and an apsw tokenizer is
  invisible to Datasette.
So the index is fed a *shadow copy* of the text with a space between every two characters (stock unicode61
tokenizer: every character is a token), and a query is turned into a *phrase* of single characters. A phrase
matches consecutive tokens, and white space and line breaks are not tokens, so "复\\n议" in a PDF's text is
found by 复议.

The FTS table is external-content (`content="reports"`, the form Datasette detects) and is filled by the loader,
not by triggers, because it indexes the spaced copy rather than the column itself. FTS5 therefore cannot compute
highlights (it would re-tokenise the unspaced column), so snippets are made by `snippet_marked` in Python:
the match is found with the same whitespace-insensitive rule and wrapped in private-use markers; the HTML
renderer escapes the text first and only then turns the markers into <mark>.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_GAP = re.compile(f"(?<=[{CJK}])\\s+(?=[{CJK}])")
MARK_START, MARK_END = "\ue000", "\ue001"


def spaced(text: str | None) -> str:
    """The text as the index sees it: NFKC, a space between every two characters.

    Every character becomes a token (digits and Latin letters too), so a phrase query is a substring search:
    "1件" finds "51件", as LIKE would. str.join runs in C: about 20 times faster than a regex substitution,
    which made it the loader's largest cost."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text))


def fts_query(query: str | None) -> str:
    """A user's query as one FTS5 phrase of single characters; white space and quotes are ignored."""
    tokens = spaced((query or "").replace('"', " ")).split()
    return '"' + " ".join(tokens) + '"' if tokens else '""'


def _query_pattern(query: str) -> re.Pattern | None:
    chars = [c for c in unicodedata.normalize("NFKC", query or "") if not c.isspace() and c != '"']
    if not chars:
        return None
    return re.compile(r"\s*".join(re.escape(c) for c in chars), re.IGNORECASE)


def _squash(text: str) -> str:
    """Line breaks from PDF wrapping vanish between Chinese characters; other white space becomes one space."""
    return re.sub(r"\s+", " ", _CJK_GAP.sub("", text))


def snippet_marked(text: str | None, query: str | None, width: int = 40) -> str | None:
    """About `width` characters either side of the first match, the match between MARK_START and MARK_END."""
    if not text:
        return None
    pattern = _query_pattern(query or "")
    match = pattern.search(unicodedata.normalize("NFKC", text)) if pattern else None
    flat = unicodedata.normalize("NFKC", text)
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


def index_report(conn, report_id: int, title: str | None, text: str | None) -> None:
    conn.execute(
        "INSERT INTO reports_fts (rowid, title, text) VALUES (?, ?, ?)", (report_id, spaced(title), spaced(text))
    )


def unindex_report(conn, report_id: int, title: str | None, text: str | None) -> None:
    """Remove a row from the external-content index; FTS5 needs the exact values that were indexed."""
    conn.execute(
        "INSERT INTO reports_fts (reports_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
        (report_id, spaced(title), spaced(text)),
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
