"""PDF: the text layer, line by line with page numbers, page furniture removed.

Library choice (figures in README "## Extraction: libraries chosen", reproduced by bench/extract.py):
pypdfium2's `get_text_bounded()` is the fastest text extractor measured on our PDFs (about 25× pdfplumber)
and keeps each table row on one line; it is Apache/BSD licensed (PyMuPDF is AGPL). pdfplumber's
`find_tables()` reads ruled tables as tables, but at ~45 ms a page it is only the fallback, in
extract/table_fallback.py: when the parse of the text layer came out incomplete, the pipeline calls its
`read_tables`, which reads the pages whose text names the statistics tables, within the fallback's limits.
`read_pdf(tables=True)` reads every page's ruled tables (`table_grids`), without limits.

Page headers and footers (a unit name, "第 3 页 共 5 页", "- 3 -") are lines that repeat, digits aside,
at the top or bottom of most pages; they are dropped, and so are bare page numbers when they count up
with the pages. A bare number that does not is kept: it may be a table value wrapped onto its own line.

A PDF without a text layer (a scan) goes to the OCR reader when there is one; otherwise `needs_ocr`.
"""

from __future__ import annotations

import codecs
import ctypes
import functools
import io
import math
import re
from collections import Counter
from itertools import repeat
from operator import itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extract.detect import PDF
from extract.document import Document, Line
from extract.errors import ReadError
from extract.limits import Limits
from extract.table_fallback import table_grids

LINE_BREAK = re.compile(r"\r\n|\r|\n")
RUN = re.compile(r"[^\r\n]+")
QUOTE_MARKS = "“”‘’「」『』"
QUOTE_SPLIT = re.compile(r"([“”‘’「」『』])")
# A run ending in one of these goes through `_run_text`: the quotation marks and every character
# str.isspace() calls blank (one set look-up on the last character instead of two tests).
MARKED_ENDS = QUOTE_MARKS + "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" \
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
MARKED_END = frozenset(MARKED_ENDS)
EDGE_LINES = 2
LINE_LOOKBACK = 4
MIN_CHARS_PER_PAGE = 20
OCR_DPI = 200
PAGE_NUMBER = re.compile(
    r"^[-—–_\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／,，]\s*(?:共\s*)?\d{1,4}\s*页?)?[-—–_\s]*$|^page\s*\d+", re.I
)
DIGITS = re.compile(r"\d+")
PDFIUM_PASSWORD_ERRORS = (4, 5)  # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY


def read_pdf(data: bytes, limits: Limits | None = None, *, tables: bool = False) -> Document:
    """Read a PDF's text layer. With `tables`, also read ruled tables as grids with pdfplumber (slow).

    A PDF with no text layer at all is a scan: the OCR reader takes it. Pages of an otherwise text PDF
    that hold only an image (a table pasted as a picture) are OCRed one by one and their lines put in
    place; the document is then marked `ocr`, so its cells stay uncertain until an identity confirms them.
    """
    limits = limits or Limits()
    pdf = _open(data)
    try:
        count = len(pdf)
        if count > limits.max_pages:
            raise ReadError("too_many_pages", f"PDF: {count} pages, over the limit of {limits.max_pages}")
        pages = [_page_lines(pdf, index) for index in range(count)]
        chars = [_chars(lines) for lines in pages]
        scanned = sum(chars) < MIN_CHARS_PER_PAGE * max(1, count)
        if not scanned:
            title = _title(pdf)
            document = Document(media_type=PDF, method="pdf-text", pages=count, title=title)
            images = [i for i, n in enumerate(chars) if n < MIN_CHARS_PER_PAGE and _has_image(pdf[i])]
            if images:
                document = _ocr_image_pages(pdf, images, pages, limits, document)
    finally:
        pdf.close()
    if scanned:
        return _hand_over_to_ocr(data, limits, count)
    document.lines = _without_furniture(pages)
    if tables:
        document.tables = table_grids(data)
    return document


def _chars(lines: list[str]) -> int:
    text = "".join(lines)
    return len(text) - text.count(" ")


def _title(pdf: pdfium.PdfDocument) -> str | None:
    """The document's Title metadata, stripped; None when empty. What `get_metadata_value("Title")` reads,
    into a buffer of a size class: pypdfium2's buffer, sized to each title, costs a new ctypes type."""
    size = raw.FPDF_GetMetaText(pdf, b"Title", None, 0)  # bytes, the UTF-16 terminator included
    buffer = _utf16_buffer(size // 2)
    raw.FPDF_GetMetaText(pdf, b"Title", buffer, size)
    return codecs.decode(memoryview(buffer)[: size // 2 - 1], "utf-16-le").strip() or None


def _has_image(page: pdfium.PdfPage) -> bool:
    try:
        return any(True for _ in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2))
    finally:
        page.close()


def _ocr_image_pages(
    pdf: pdfium.PdfDocument, indexes: list[int], pages: list[list[str]], limits: Limits, document: Document
) -> Document:
    """OCR the image-only pages of a text PDF: an `OcrDocument` with one reading per engine (the text pages
    with that engine's lines on the image pages), arbitrated by the pipeline as a scan's readings are.

    `pages` gets the most trusted engine's lines in place. A page OCR fails on stays empty, with a warning;
    the text pages are kept.
    """
    numbers = ", ".join(str(i + 1) for i in indexes)
    try:
        from extract.readers.ocr import EngineResult, OcrDocument, read_image
    except ImportError as exc:
        document.warnings.append(f"page(s) {numbers} hold only an image and OCR is not available ({exc})")
        return document
    engine_pages: dict[str, list[list[str]]] = {}
    seconds: dict[str, list[float]] = {}
    for index in indexes:
        try:
            scan = read_image(_page_png(pdf, index), limits, "image/png")
        except ReadError as error:
            document.warnings.append(f"page {index + 1} holds only an image and OCR failed ({error.message})")
            continue
        document.warnings.extend(w for w in scan.warnings if w not in document.warnings)
        for reading in scan.readings:
            engine_pages.setdefault(reading.engine, [list(lines) for lines in pages])[index] = [
                line.text for line in reading.document.lines
            ]
            spent = seconds.setdefault(reading.engine, [0.0, 0.0])
            spent[0] += reading.seconds
            spent[1] += reading.cpu_seconds
    if not engine_pages:
        return document
    readings = [
        EngineResult(engine, Document(media_type=PDF, method=document.method, pages=document.pages, ocr=True,
                                      lines=_without_furniture(engine_lines)),
                     *seconds[engine])
        for engine, engine_lines in engine_pages.items()
    ]
    pages[:] = next(iter(engine_pages.values()))
    document.warnings.append(f"page(s) {numbers} hold only an image: read by OCR, their figures uncertain")
    return OcrDocument(media_type=PDF, method=document.method, pages=document.pages, title=document.title, ocr=True,
                       warnings=document.warnings, readings=readings,
                       ocr_pages=frozenset(i + 1 for i in indexes))


def _page_png(pdf: pdfium.PdfDocument, index: int) -> bytes:
    page = pdf[index]
    try:
        image = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
    finally:
        page.close()
    png = io.BytesIO()
    image.save(png, format="PNG")
    return png.getvalue()


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in PDFIUM_PASSWORD_ERRORS:
            raise ReadError("pdf_encrypted", "PDF: encrypted, a password is needed to open it") from exc
        raise ReadError("pdf_corrupt", f"PDF: damaged or truncated ({exc})") from exc


def _page_lines(pdf: pdfium.PdfDocument, index: int) -> list[str]:
    """A page's lines. The page and its text page are handled through pdfium's raw API: pypdfium2's
    `PdfPage`/`PdfTextPage` objects (finalizers, parent bookkeeping) cost ~80 µs a page, 5 % of loading it."""
    page = raw.FPDF_LoadPage(pdf, index)
    if not page:
        raise pdfium.PdfiumError("Failed to load page.")
    try:
        textpage = raw.FPDFText_LoadPage(page)
        if not textpage:
            raise pdfium.PdfiumError("Failed to load text page.")
        try:
            text = _page_text(textpage)
            if text is None:
                return _lines_through_helpers(pdf, index)
            return _visual_lines(textpage, text)
        finally:
            raw.FPDFText_ClosePage(textpage)
    finally:
        raw.FPDF_ClosePage(page)


def _page_text(textpage) -> str | None:
    """The page's text in content order (what `PdfTextPage.get_text_range()` returns), or None when it would
    not index the characters one to one: an edge character pdfium leaves out of the text, or characters
    beyond the BMP (two UTF-16 units for one character)."""
    count = _COUNT_CHARS(textpage)
    if count <= 0:
        return "" if count == 0 else None
    first = _TEXT_INDEX(textpage, 0)
    last = _TEXT_INDEX(textpage, count - 1)
    if first == -1 or last == -1:
        return None
    buffer = _utf16_buffer(last + 2 - first)
    written = _GET_TEXT(textpage, 0, count, buffer)
    text = codecs.decode(memoryview(buffer)[: written - 1], "utf-16-le", "ignore")
    return text if len(text) == count else None


def _utf16_buffer(units: int) -> ctypes.Array:
    """A zeroed ctypes array of at least `units` UTF-16 units, of a size class (a power of two).

    ctypes builds a new array type for every length it is asked for (~25 µs) and keeps them only weakly, so
    sizing the buffer to each page cost ~1 ms per 42 pages; a size class's type is made once."""
    return _utf16_array(units.bit_length())()


@functools.cache
def _utf16_array(bits: int) -> type[ctypes.Array]:
    return ctypes.c_ushort * (1 << bits)


def _lines_through_helpers(pdf: pdfium.PdfDocument, index: int) -> list[str]:
    """The rare page whose text does not index its characters one to one, read through pypdfium2's helpers:
    its content-order text when that still matches the character count, else pdfium's own lines."""
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            if len(text) != textpage.count_chars():
                return [line.strip() for line in LINE_BREAK.split(textpage.get_text_bounded()) if line.strip()]
            return _visual_lines(textpage.raw, text)
        finally:
            textpage.close()
    finally:
        page.close()


def _visual_lines(textpage, text: str) -> list[str]:
    """The page's lines as the eye reads them, built from pdfium's text runs (`textpage`: the raw handle).

    `get_text_bounded()` keeps table rows on one line but glues the numbers of adjacent cells together
    whenever pdfium sees no gap character between them ("0", "7", "6" in three cells come out as "076").
    So we take the runs in content order (`text`, one run per line of each cell), locate each run by the
    box of its first character, group runs whose vertical extents overlap into one line, order each line
    by x, and judge the gap between neighbours from the box of each run's last character.
    """
    box = _CharBoxes(textpage)
    runs = _runs(text, box)
    runs.sort(key=_TOP, reverse=True)
    lines = []
    append = lines.append
    for line in _group_lines(runs):
        if len(line) == 1:  # most lines: one run, no gap to judge
            run_text = line[0][3]
            append(run_text.lstrip() if run_text[-1] not in MARKED_END else _run_text(run_text, line[0][4], box))
        else:
            append(_join(line, box))
    return lines


def _runs(text: str, box: _CharBoxes) -> list[tuple]:
    """(top, bottom, left, text, index of the last character, right edge or None) of each run: the text
    between line breaks, placed by its first character's loose box. The right edge is that box's when the run
    is one character (a table cell's figure often is: its right edge comes without a call), else None.
    Plain tuples: this loop makes ~75 a page.

    pdfium ends its lines with "\\r\\n"; a page whose text has a lone CR or LF is split by the regular
    expression. The raw box call is inlined: it is the reader's hot loop (one call a run)."""
    call, handle, pointer, rect = _LOOSE_CHAR_BOX, box.textpage, box.pointer, box.floats
    runs: list[tuple] = []
    append = runs.append
    parts = text.split("\r\n")
    breaks = len(parts) - 1
    if text.count("\r") != breaks or text.count("\n") != breaks:
        for match in RUN.finditer(text):
            call(handle, match.start(), pointer)
            append((rect[1], rect[3], rect[0], match.group(), match.end() - 1, None))
        return runs
    start = 0
    for part in parts:
        end = start + len(part)
        if part:
            call(handle, start, pointer)  # loose boxes: one line's characters share bottom and top
            append((rect[1], rect[3], rect[0], part, end - 1, rect[2] if end - start == 1 else None))
        start = end + 2
    return runs


def _untyped(function, restype: type | None = ctypes.c_int):
    """pdfium's `function` called through a prototype without argtypes: the text page's pointer, ints and
    buffers passed as they are, 0.4 µs a call instead of 1.2 µs through pypdfium2's typed binding, which
    converts and checks every argument on every call. PYFUNCTYPE keeps the GIL across the call (work well
    under a microsecond for the box, a few for a page's text): ~10 % cheaper than releasing and taking it back."""
    return ctypes.PYFUNCTYPE(restype)(ctypes.cast(function, ctypes.c_void_p).value)


_COUNT_CHARS = _untyped(raw.FPDFText_CountChars)
_TEXT_INDEX = _untyped(raw.FPDFText_GetTextIndexFromCharIndex)
_GET_TEXT = _untyped(raw.FPDFText_GetText)
# FPDFText_GetLooseCharBox(text_page, index, FS_RECTF*), one call a run: its result (whether the index was on
# the page) is declared void, nothing reads it, and converting it to a Python int was ~300 of the ~2,000
# instructions of a call.
_LOOSE_CHAR_BOX = _untyped(raw.FPDFText_GetLooseCharBox, None)


class _CharBoxes:
    """A character's box: pdfium's loose box (the glyph's advance and the font's
    ascent/descent), one struct through the raw API. About 4× cheaper than the four-double `GetCharBox`,
    and equal heights for every character of a line make line grouping steadier. The text page (pdfium's
    FPDF_TEXTPAGE pointer) must stay open while this is used.

    `floats` is the struct seen as its four floats (left, top, right, bottom): an item of a memoryview is
    read faster than a ctypes field, and gives the same Python float."""

    def __init__(self, textpage):
        self.textpage = textpage
        rect = raw.FS_RECTF()
        self.pointer = ctypes.byref(rect)
        self.floats = memoryview(rect).cast("B").cast("f")


_TOP = itemgetter(0)
_LEFT = itemgetter(2)
_NOWHERE = float("-inf")
_UNSET = float("nan")  # no extent: nothing overlaps it, nothing equals it


def _group_lines(runs: list[tuple]) -> list[list[tuple]]:
    """Runs sharing most of their height form a line; lines from the top of the page down.

    Runs come sorted by their top edge, so a run can only belong to one of the last few lines opened: the
    last one first (most runs go there), then the look-back. A run whose top is at or below the bottom of
    every line opened before the last (`low`, their lowest bottom) overlaps none of them, so it opens a line
    without the look-back: the usual case, a page read downwards. That shortcut holds only while every line
    is taller than nothing; a line opened by a run of no height turns it off for the page.

    A run with the extent of the last run that went to the last line (the cells of a table row: loose boxes
    share a line's top and bottom), at least 0.1 high, goes there too without the overlap test: it overlaps
    that line by its whole height and moves none of its edges (runs that went to older lines in between did
    not touch it). The last line's edges are kept in locals; before the first run it is a line without
    extent, which nothing overlaps.
    """
    lines: list[list] = []  # [bottom, top, members]; the last line's bottom is `bottom` until the next opens
    last: list = [_UNSET, _UNSET, None]  # the line opened last
    top = bottom = span = _UNSET  # its top, bottom and height
    members: list[tuple] = []  # its runs
    low = float("inf")  # the lowest bottom of the lines opened before the last
    same_top = same_bottom = _UNSET  # the extent of the last run that went to the last line
    for run in runs:
        y1 = run[0]
        y0 = run[1]
        if y1 == same_top and y0 == same_bottom and y1 - y0 >= 0.1:
            members.append(run)
            continue
        height = y1 - y0 if y1 - y0 > 0.1 else 0.1
        overlap = (top if top < y1 else y1) - (bottom if bottom > y0 else y0)
        if overlap >= 0.5 * (height if height < span else span):
            members.append(run)
            if y0 < bottom:
                bottom = y0
                span = top - y0
            same_top, same_bottom = y1, y0
            continue
        if y1 > low:  # it may belong to a line opened before the last
            for line in reversed(lines[-LINE_LOOKBACK:-1]):
                line_bottom, line_top = line[0], line[1]
                overlap = (line_top if line_top < y1 else y1) - (line_bottom if line_bottom > y0 else y0)
                if overlap >= 0.5 * (height if height < line_top - line_bottom else line_top - line_bottom):
                    line[2].append(run)
                    if y0 < line_bottom:
                        line[0] = y0
                        if y0 < low:
                            low = y0
                    break
            else:
                line = None
            if line is not None:
                continue
        if bottom < low:
            low = bottom
        last[0] = bottom
        members = [run]
        last = [y0, y1, members]
        lines.append(last)
        top, bottom, span = y1, y0, y1 - y0
        same_top, same_bottom = y1, y0
        if y1 <= y0:
            low = _NOWHERE
    return [line[2] for line in lines]


def _join(runs: list[tuple], box: _CharBoxes) -> str:
    """Runs left to right; a space where there is a visible gap (a new cell or word), none inside a word.
    A run's right edge (its last character's box) is asked for only when another run follows it and the
    run did not bring it (one character)."""
    runs.sort(key=_LEFT)
    call, handle, pointer, rect = _LOOSE_CHAR_BOX, box.textpage, box.pointer, box.floats
    top, bottom, _, text, last, right = runs[0]
    previous_height = top - bottom
    parts = [text.lstrip() if text[-1] not in MARKED_END else _run_text(text, last, box)]
    for top, bottom, left, text, following, following_right in runs[1:]:
        if right is None:  # the previous run's right edge
            call(handle, last, pointer)
            right = rect[2]
        height = top - bottom
        tallest = height if height > previous_height else previous_height
        if left - right > 0.2 * (tallest if tallest > 1.0 else 1.0):
            parts.append(" ")
        parts.append(text.lstrip() if text[-1] not in MARKED_END else _run_text(text, following, box))
        last, right, previous_height = following, following_right, height
    return "".join(parts)


def _run_text(text: str, last: int, box: _CharBoxes) -> str:
    """A run's text (`last`: its last character's index); quotation marks put back in place when the PDF
    wrote them after their line.

    Writers set “ ” in a fallback font and emit those glyphs after the rest of the line, so in content
    order they trail the run ("落实 三审三校 制度 … “ ”"). Each trailing mark is placed by a binary search
    on x among the run's other characters (which are in order), and the gap space left where it sits goes.
    """
    stripped = text.rstrip()
    if not stripped or stripped[-1] not in QUOTE_MARKS:
        return stripped.lstrip()
    start = last + 1 - len(text)
    cut = len(text.rstrip(MARKED_ENDS))  # where the trailing blanks and marks start
    call, handle, pointer, rect = _LOOSE_CHAR_BOX, box.textpage, box.pointer, box.floats
    centres: dict[int, float] = {}  # the marks' searches share their first probes: each character's box once
    inserts = []
    for index, mark in enumerate(text[cut:], start=start + cut):
        if mark in QUOTE_MARKS:
            call(handle, index, pointer)
            centre = (rect[0] + rect[2]) / 2
            low, high = 0, cut  # how many of the characters before the marks lie left of the mark's centre
            while low < high:
                middle = (low + high) // 2
                probe = centres.get(middle)
                if probe is None:
                    call(handle, start + middle, pointer)
                    probe = centres[middle] = (rect[0] + rect[2]) / 2
                if probe < centre:
                    low = middle + 1
                else:
                    high = middle
            inserts.append((low, mark))
    pieces = []
    previous = 0
    for position, mark in sorted(inserts):  # marks sharing a position in code point order: “ before ”
        pieces += (text[previous:position], mark)
        previous = position
    pieces.append(text[previous:cut])
    return _closed_up("".join(pieces)).strip()


def _closed_up(text: str) -> str:
    """`text` without the spaces next to its quotation marks (a run of spaces touching a mark on either
    side goes): what `re.sub(" *([“”‘’「」『』]) *", r"\\1", text)` gives, from one split at the marks and
    a strip of each piece between them instead of a regular expression tried at every character."""
    pieces = QUOTE_SPLIT.split(text)  # text, mark, text, ..., mark, text
    if len(pieces) == 1:
        return text
    pieces[0] = pieces[0].rstrip(" ")
    pieces[-1] = pieces[-1].lstrip(" ")
    pieces[2:-1:2] = [piece.strip(" ") for piece in pieces[2:-1:2]]
    return "".join(pieces)


def _without_furniture(pages: list[list[str]]) -> list[Line]:
    """Every line that is not a running header, footer or page number, with its page number."""
    edges = [_edge_shapes(lines) for lines in pages]
    repeated = _repeated_edge_lines(edges)
    numbered = _numbered_edges(pages)
    kept: list[Line] = []
    for page_number, (lines, shapes) in enumerate(zip(pages, edges, strict=True), start=1):
        if repeated or numbered:
            dropped = [i for i, shape in shapes.items() if shape in repeated or (page_number, i) in numbered]
            if dropped:  # edge lines, in order; the pages stay as read (the OCR path reads them again)
                lines = lines.copy()
                for index in reversed(dropped):
                    del lines[index]
        kept += map(Line, lines, repeat(page_number))
    return kept


def _edge_shapes(lines: list[str]) -> dict[int, str]:
    """The shape (blanks out, digits masked) of each of a page's first and last EDGE_LINES lines, by index."""
    count = len(lines)
    indexes = sorted({*range(min(EDGE_LINES, count)), *range(max(0, count - EDGE_LINES), count)})
    return {index: DIGITS.sub("#", "".join(lines[index].split())) for index in indexes}


def _repeated_edge_lines(edges: list[dict[int, str]]) -> set[str]:
    """Line shapes found at the top or bottom of most pages (`edges`: each page's edge shapes), bare
    numbers excepted."""
    if len(edges) < 2:
        return set()
    counts: Counter[str] = Counter()
    for shapes in edges:
        counts.update(set(shapes.values()))
    needed = max(2, math.ceil(0.6 * len(edges)))
    return {shape for shape, n in counts.items() if n >= needed and shape != "#"}


def _numbered_edges(pages: list[list[str]]) -> set[tuple[int, int]]:
    """(page, line index) of page numbers: page-number-shaped edge lines whose number runs with the page."""
    candidates: dict[int, list[tuple[int, int]]] = {}
    for page_number, lines in enumerate(pages, start=1):
        for index in {0, len(lines) - 1} if lines else set():
            line = lines[index]
            if PAGE_NUMBER.match(line):
                offset = int(DIGITS.search(line).group()) - page_number
                candidates.setdefault(offset, []).append((page_number, index))
    if not candidates:
        return set()
    offset, hits = max(candidates.items(), key=lambda item: len(item[1]))
    if len({page for page, _ in hits}) < max(1, math.ceil(0.5 * len(pages))):
        return set()
    return set(hits)


def _hand_over_to_ocr(data: bytes, limits: Limits, count: int) -> Document:
    """A scan: the OCR reader's Document, or `needs_ocr` when OCR cannot run here (a missing dependency)."""
    try:
        from extract.readers.ocr import read_pdf as read_scanned_pdf  # heavy (numpy, onnxruntime): only for scans
    except ImportError as exc:
        raise ReadError("needs_ocr", f"PDF: {count} page(s) without a text layer and no OCR reader ({exc})") from exc
    return read_scanned_pdf(data, limits)
