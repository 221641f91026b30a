"""DOCX: paragraphs and Word tables in document order, tables as grids with merged cells expanded.

python-docx gives the document model; we walk each table row's `<w:tc>` elements ourselves rather than
`row.cells`, because we need to know which grid positions are the *same* merged cell: a horizontal merge
(`gridSpan`) is one `<w:tc>` covering several grid columns, a vertical merge is a `<w:tc vMerge="continue">`
under the cell that holds the text. The grid repeats a merged cell's text in every position it covers
(what the parser wants); the text lines write it once, with empty cells where a merge continues, so the
full text does not count a merged label or number twice.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import nsmap, qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from lxml.etree import LxmlError

from extract.detect import DOCX
from extract.document import Document, Grid, Line
from extract.errors import ReadError
from extract.limits import Limits
from extract.readers.cells import check_zip, drop_covered_columns, join_fragments

W_TEXT, W_TAB = qn("w:t"), qn("w:tab")
PARAGRAPH_TEXT = etree.XPath(
    ".//w:t[not(ancestor::mc:Fallback)] | .//w:tab[not(ancestor::mc:Fallback)]"
    " | .//w:br[not(ancestor::mc:Fallback)] | .//w:cr[not(ancestor::mc:Fallback)]",
    namespaces={"w": nsmap["w"], "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"},
)


def read_docx(data: bytes, limits: Limits | None = None, media_type: str = DOCX, method: str = "docx") -> Document:
    """Read DOCX bytes. `media_type`/`method` let the office reader pass a converted DOC/WPS/RTF through."""
    limits = limits or Limits()
    check_zip(data, limits, "DOCX")
    word = _open(data)
    document = Document(media_type=media_type, method=method)
    for block in _blocks(word.element.body, word):
        if isinstance(block, Paragraph):
            document.lines.extend(Line(line) for line in paragraph_text(block._p).split("\n") if line.strip())
        else:
            _add_table(document, block)
    title = word.core_properties.title
    document.title = title.strip() if title and title.strip() else None
    return document


def _blocks(container, parent) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables in document order, including those inside content controls (`w:sdt`),
    which `Document.iter_inner_content()` skips: templates often wrap a whole report in one."""
    for element in container.iterchildren():
        if element.tag == qn("w:p"):
            yield Paragraph(element, parent)
        elif element.tag == qn("w:tbl"):
            yield Table(element, parent)
        elif element.tag == qn("w:sdt"):
            content = element.find(qn("w:sdtContent"))
            if content is not None:
                yield from _blocks(content, parent)


def _add_table(document: Document, table: Table) -> None:
    """The table as a grid and as text rows, then any tables nested in its cells (a report's table inside
    a one-cell layout table, as HTML pasted into Word leaves it)."""
    rows, text_rows = table_grid(table)
    if rows:
        document.tables.append(Grid(rows=rows))
        document.lines.extend(Line("\t".join(cells)) for cells in text_rows if any(cells))
    for nested in table._tbl.iter(qn("w:tbl")):
        if nested is not table._tbl and _parent_table(nested) is table._tbl:
            _add_table(document, Table(nested, table._parent))


def _parent_table(tbl):
    parent = tbl.getparent()
    while parent is not None and parent.tag != qn("w:tbl"):
        parent = parent.getparent()
    return parent


def paragraph_text(p) -> str:
    """A paragraph's text from every `w:t` under it, tabs and breaks kept.

    python-docx's `Paragraph.text` reads only direct runs and hyperlinks: text inside an unaccepted
    insertion (`w:ins`), an inline content control (`w:sdt`), a field result or a text box is lost to it.
    Deleted text is `w:delText`, so it stays out; a text box's VML copy (`mc:Fallback`) is skipped.
    """
    parts = []
    for element in PARAGRAPH_TEXT(p):
        if element.tag == W_TEXT:
            parts.append(element.text or "")
        else:
            parts.append("\t" if element.tag == W_TAB else "\n")
    return "".join(parts)


def _open(data: bytes) -> WordDocument:
    try:
        return docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, LxmlError, zipfile.BadZipFile, EOFError) as exc:
        raise ReadError("docx_corrupt", f"DOCX: {type(exc).__name__}: {exc}") from exc


def table_grid(table: Table) -> tuple[list[list[str]], list[list[str]]]:
    """The table as (grid, text rows): the grid with merges expanded, the text rows with each merge once."""
    grid: list[list[str]] = []
    starts: list[list[bool]] = []
    text_rows: list[list[str]] = []
    for tr in table._tbl.tr_lst:
        row: list[str] = [""] * tr.grid_before
        row_starts: list[bool] = [True] * tr.grid_before
        text_row: list[str] = [""] * tr.grid_before
        for tc in tr.tc_lst:
            column = len(row)
            if tc.vMerge == "continue":
                above = grid[-1][column] if grid and column < len(grid[-1]) else ""
                cell_text, written = above, ""
            else:
                cell_text = join_fragments([paragraph_text(p) for p in tc.iterchildren(qn("w:p"))])
                written = cell_text
            row.extend([cell_text] * tc.grid_span)
            row_starts.extend([True] + [False] * (tc.grid_span - 1))
            text_row.append(written)
        grid.append(row)
        starts.append(row_starts)
        text_rows.append(text_row)
    width = max((len(row) for row in grid), default=0)
    grid = [row + [""] * (width - len(row)) for row in grid]
    return drop_covered_columns(grid, starts, _sliver_columns(table)), text_rows


def _sliver_columns(table: Table) -> frozenset[int]:
    """Grid columns under a twentieth of the median width: edge misalignments, not columns anyone sees."""
    widths = [col.w for col in table._tbl.tblGrid.gridCol_lst]
    known = sorted(w for w in widths if w)
    if not known:
        return frozenset()
    median = known[len(known) // 2]
    return frozenset(i for i, w in enumerate(widths) if w is not None and w < median / 20)
