"""A second read of a PDF's statistics tables when its text layer parsed incompletely.

Every text PDF is read from its text layer first (pypdfium2: fast, and table rows stay on one line).
Some PDFs defeat it all the same: a table whose text runs were written in column order, rows whose
numbers sit apart from every fragment of their label. When the parse of a 2021 or 2019 report comes
back incomplete — declared cells missing that the document does not mark blank, a table not found, a
table unreadable in row order — its ruled tables are read as tables with pdfplumber (about 45 ms a page,
so only then), the document is parsed again with those grids, and the richer parse is kept: more cells
first, then more identities holding than failing. Nothing is merged or averaged between the two.

The record says which read won: `method` is "pdf-tables" when the tables read won (its cells say
"pdf-tables" too, cells read from lines keep "pdf-text"), and a `pdf_tables` warning gives both counts
and the pages read.

The read has limits of its own (extract/limits.py), since a long PDF whose text layer is broken would
otherwise spend minutes here: only pages whose text names the template's tables are read (the
`table_fallback_pages` that name the most of them), and the read stops once `table_fallback_seconds`
have passed (checked between pages). A PDF none of whose pages names a table has its first pages read.
Either cut is a `table_fallback_limit` warning listing the pages left unread.
"""

from __future__ import annotations

import io
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache

from extract.document import Document, Grid
from extract.limits import Limits
from extract.normalize import label_key
from extract.readers.cells import join_fragments
from extract.template import Template, all_templates

TABLES_METHOD = "pdf-tables"
UNREADABLE = {"table_missing", "table_layout_unreadable"}
TERM_CHARS = 4  # a label is looked for by its first characters: long labels wrap inside their cells
MIN_TERM_CHARS = 3  # shorter labels (其他, 总计) are everywhere in prose
LIMIT_CODE = "table_fallback_limit"


@dataclass
class TableRead:
    """The grids a ruled-table read found, the pages it read and the pages it meant to read but did not."""

    grids: list[Grid] = field(default_factory=list)
    pages_read: list[int] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


def needs_table_read(record: dict) -> bool:
    """Whether a PDF's record came out incomplete in a way a read of its ruled tables may repair."""
    if record["errors"] or record["ocr"] or record["template"] not in {t.id for t in all_templates()}:
        return False
    codes = {warning["code"] for warning in record["warnings"]}
    return bool(codes & UNREADABLE) or bool(missing_cells(record))


def missing_cells(record: dict) -> set[tuple[str, str, str]]:
    """Declared cells the record lacks, except those the document writes blank ("/", "—", "无")."""
    missing = {
        (w["table"], w["row"], col) for w in record["warnings"] if w["code"] == "cell_missing" for col in w["cols"]
    }
    blank = {(w["table"], w["row"], w["col"]) for w in record["warnings"] if w["code"] == "cell_blank"}
    return missing - blank


def richness(record: dict) -> tuple[int, int]:
    """(cells, identities holding minus identities failing): how much of the tables a parse recovered."""
    holding = sum(1 if check["holds"] else -1 for check in record["checks"])
    return len(record["cells"]), holding


def choose(text_layer: dict, tables: dict | None, failure: str | None = None, read: TableRead | None = None) -> dict:
    """The richer of the two parses (the text layer's on a tie), with a warning saying which won and why;
    the read's own warnings (a limit hit) go with the chosen record."""
    notes = read.warnings if read else []
    pages = read.pages_read if read else []
    if tables is None:
        text_layer["warnings"] += [*notes, {
            "code": "pdf_tables", "chosen": text_layer["method"], "cells_text_layer": len(text_layer["cells"]),
            "cells_tables": None, "pages_read": pages,
            "message": f"the text layer parsed incompletely and its ruled tables could not be read: {failure}",
        }]
        return text_layer
    won = richness(tables) > richness(text_layer)
    chosen = tables if won else text_layer
    if won:
        chosen["method"] = TABLES_METHOD
    counts = f"{len(text_layer['cells'])} cells from the text layer, {len(tables['cells'])} from the ruled tables"
    chosen["warnings"] += [*notes, {
        "code": "pdf_tables", "chosen": chosen["method"], "cells_text_layer": len(text_layer["cells"]),
        "cells_tables": len(tables["cells"]), "pages_read": pages,
        "message": f"the text layer parsed incompletely; tables re-read with pdfplumber from page(s) "
                   f"{_page_list(pages)}: {counts}; kept the {'ruled tables' if won else 'text layer'}",
    }]
    return chosen


def read_tables(data: bytes, doc: Document, template: Template, limits: Limits) -> TableRead:
    """The ruled tables of the pages `doc`'s text says hold the statistics tables, within the fallback's
    limits; a limit hit is a warning on the read, listing what was left unread."""
    ranked = table_pages(doc, template)
    total = doc.pages or max((line.page or 0 for line in doc.lines), default=0)
    if ranked:
        wanted = sorted(ranked[: limits.table_fallback_pages])
        left = sorted(ranked[limits.table_fallback_pages :])
        why = (f"the ruled-table read is limited to {limits.table_fallback_pages} page(s) (table_fallback_pages) "
               f"and {len(ranked)} name the statistics tables: it read those naming the most labels")
    else:
        wanted = list(range(1, min(total, limits.table_fallback_pages) + 1))
        left = list(range(len(wanted) + 1, total + 1))
        why = (f"no page's text names a statistics table, so the ruled-table read took the first {len(wanted)} "
               f"page(s) (table_fallback_pages)")
    read = read_table_pages(data, wanted, limits.table_fallback_seconds)
    if left:
        read.warnings.append(_limit_warning("pages", left, why, "GOVREPORTS_TABLE_FALLBACK_PAGES"))
    if read.unread:
        why = f"the ruled-table read ran out of its {limits.table_fallback_seconds:g} s (table_fallback_seconds)"
        read.warnings.append(_limit_warning("time", read.unread, why, "GOVREPORTS_TABLE_FALLBACK_SECONDS"))
    return read


def _limit_warning(limit: str, unread: list[int], why: str, variable: str) -> dict:
    return {
        "code": LIMIT_CODE, "limit": limit, "pages_unread": unread,
        "message": f"{why}; page(s) {_page_list(unread)} were not read as tables, so cells only they hold may "
                   f"be missing. Raise {variable} to read them.",
    }


def _page_list(pages: list[int], shown: int = 20) -> str:
    listed = ", ".join(str(page) for page in pages[:shown])
    return f"{listed} and {len(pages) - shown} more" if len(pages) > shown else listed or "none"


def table_pages(doc: Document, template: Template) -> list[int]:
    """The pages whose text names at least one of the template's table labels, most labels first."""
    texts: dict[int, list[str]] = {}
    for line in doc.lines:
        if line.page is not None:
            texts.setdefault(line.page, []).append(line.text)
    terms = _table_terms(template)
    scores = {page: sum(term in key for term in terms) for page, key in _page_keys(texts).items()}
    return sorted((page for page, score in scores.items() if score), key=lambda page: (-scores[page], page))


def _page_keys(texts: dict[int, list[str]]) -> dict[int, str]:
    return {page: label_key("".join(lines)) for page, lines in texts.items()}


@cache
def _table_terms(template: Template) -> frozenset[str]:
    """The first characters of every part of the template's table titles, items and row/column labels
    (official and variant): what a page holding a table shows even when the labels wrap."""
    labels: list[str] = []
    for table in template.tables.values():
        labels.append(table.title)
        labels += [block.item for block in table.blocks if block.item]
        labels += [text for label in [*table.rows, *table.cols] for text in (label.label, *label.variants)]
    parts = {label_key(part, ordinal=False)[:TERM_CHARS] for label in labels for part in label.split("/")}
    return frozenset(part for part in parts if len(part) >= MIN_TERM_CHARS)


def table_grids(data: bytes) -> list[Grid]:
    """Ruled tables of every page read by pdfplumber, spans expanded from the cells' boxes, without limits."""
    return read_table_pages(data).grids


def read_table_pages(data: bytes, pages: Collection[int] | None = None, seconds: float | None = None) -> TableRead:
    """Ruled tables read by pdfplumber, spans expanded from the cells' boxes: of `pages` (1-based; all when
    None), stopping between pages once `seconds` have passed (the pages left are the read's `unread`)."""
    import pdfplumber  # imported here: only the fallback path pays for it

    read = TableRead()
    started = time.monotonic()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        numbers = range(1, len(pdf.pages) + 1) if pages is None else [p for p in pages if 1 <= p <= len(pdf.pages)]
        for position, page_number in enumerate(numbers):
            if seconds is not None and read.pages_read and time.monotonic() - started >= seconds:
                read.unread = list(numbers[position:])
                break
            page = pdf.pages[page_number - 1]
            for table in page.find_tables():
                rows = _expand_spans(table)
                if rows:
                    read.grids.append(Grid(rows=rows, page=page_number, method=TABLES_METHOD))
            page.flush_cache()
            read.pages_read.append(page_number)
    return read


def _expand_spans(table) -> list[list[str]]:
    """pdfplumber's `extract()` gives a merged cell's text at its top-left position and None where it
    continues; fill each None with the text of the cell box covering that position."""
    texts = [[join_fragments((text or "").splitlines()) if text is not None else None for text in row]
             for row in table.extract()]  # fmt: skip
    row_tops = [row.bbox[1] for row in table.rows]
    col_lefts = [col.bbox[0] for col in table.columns]
    grid = [[text or "" for text in row] for row in texts]
    for x0, top, x1, bottom in table.cells:
        r0 = _band_index(row_tops, top)
        c0 = _band_index(col_lefts, x0)
        origin = texts[r0][c0] if r0 < len(texts) and c0 < len(texts[r0]) else None
        for r, row_top in enumerate(row_tops):
            for c, col_left in enumerate(col_lefts):
                inside = top - 1 <= row_top < bottom - 1 and x0 - 1 <= col_left < x1 - 1
                if inside and r < len(grid) and c < len(grid[r]) and texts[r][c] is None and origin:
                    grid[r][c] = origin
    return [row for row in grid if any(row)]


def _band_index(edges: list[float], value: float) -> int:
    """The index of the band starting at `value` (edges within a point or so are the same edge)."""
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))
