"""A second read of a PDF's statistics tables when its text layer parsed incompletely.

Every text PDF is read from its text layer first (pypdfium2: fast, and table rows stay on one line).
Some PDFs defeat it all the same: a table whose text runs were written in column order, rows whose
numbers sit apart from every fragment of their label. When the parse of a 2021 or 2019 report comes
back incomplete — declared cells missing that the document does not mark blank, a table not found, a
table unreadable in row order — its ruled tables are read as tables with pdfplumber (about 45 ms a page,
so only then), the document is parsed again with those grids, and the richer parse is kept: more cells
first, then more identities holding than failing. Nothing is merged or averaged between the two.

The record says which read won: `method` is "pdf-tables" when the tables read won (its cells say
"pdf-tables" too, cells read from lines keep "pdf-text"), and a `pdf_tables` warning gives both counts.
"""

from __future__ import annotations

import io

from extract.document import Grid
from extract.readers.cells import join_fragments
from extract.template import all_templates

TABLES_METHOD = "pdf-tables"
UNREADABLE = {"table_missing", "table_layout_unreadable"}


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


def choose(text_layer: dict, tables: dict | None, failure: str | None = None) -> dict:
    """The richer of the two parses (the text layer's on a tie), with a warning saying which won and why."""
    if tables is None:
        text_layer["warnings"].append({
            "code": "pdf_tables", "chosen": text_layer["method"], "cells_text_layer": len(text_layer["cells"]),
            "cells_tables": None,
            "message": f"the text layer parsed incompletely and its ruled tables could not be read: {failure}",
        })
        return text_layer
    won = richness(tables) > richness(text_layer)
    chosen = tables if won else text_layer
    if won:
        chosen["method"] = TABLES_METHOD
    counts = f"{len(text_layer['cells'])} cells from the text layer, {len(tables['cells'])} from the ruled tables"
    chosen["warnings"].append({
        "code": "pdf_tables", "chosen": chosen["method"], "cells_text_layer": len(text_layer["cells"]),
        "cells_tables": len(tables["cells"]),
        "message": f"the text layer parsed incompletely; tables re-read with pdfplumber: {counts}; "
                   f"kept the {'ruled tables' if won else 'text layer'}",
    })
    return chosen


def table_grids(data: bytes) -> list[Grid]:
    """Ruled tables read by pdfplumber, spans expanded from the cells' boxes."""
    import pdfplumber  # imported here: only the fallback path pays for it

    grids: list[Grid] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page_number, page in enumerate(pdf.pages, start=1):
            for table in page.find_tables():
                rows = _expand_spans(table)
                if rows:
                    grids.append(Grid(rows=rows, page=page_number, method=TABLES_METHOD))
            page.flush_cache()
    return grids


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
