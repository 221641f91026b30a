"""The intermediate every reader produces and the one table parser consumes.

A reader (extract/readers/<format>.py) turns bytes into a `Document`: the text in reading order,
split into lines, and the tables it could see as tables, as grids of cell strings with row and column
spans already expanded (a merged cell repeats its text in every grid position it covers). Formats with
real tables (DOCX, HTML, spreadsheets) fill `tables`; formats without (plain text, PDF text layers,
OCR) leave it empty and the parser reads the tables out of `lines`. Format quirks stay in the reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Grid:
    """A table seen as a table: rows of cell strings, spans expanded."""

    rows: list[list[str]]
    page: int | None = None
    method: str | None = None  # how the grid was read, when not the document's method (PDF ruled tables)


@dataclass(slots=True)
class Line:
    """One line of text in reading order; `page` is 1-based where the format has pages."""

    text: str
    page: int | None = None


@dataclass
class Document:
    media_type: str
    method: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Grid] = field(default_factory=list)
    pages: int | None = None
    ocr: bool = False
    title: str | None = None
    encoding: str | None = None  # the codec text/HTML was decoded with (detect.decode), for the record
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
