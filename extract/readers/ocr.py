"""Scanned reports: page images (JPEG/PNG/TIFF, or a PDF without a text layer) read by two OCR engines.

Why two engines. Tesseract 5 `chi_sim` is fast (about 1.3 s of CPU an A4 page at 200 dpi, one thread) but
misreads digits in tables (0 → 。/和, 7 → 了, 7 → 77) and loses a row now and then; RapidOCR (PaddleOCR's
PP-OCRv4 models run by onnxruntime; the models ship inside the `rapidocr-onnxruntime` wheel, so nothing is
downloaded at run time) reads table digits far better but costs about five times the CPU (bench/ocr.py).
Their errors are independent, so where they agree the value is very likely right, and where they differ
the template's identities decide (extract/ocr_arbitrate.py). Each engine yields its own `Document`; the
parser reads each one.

What happens to a page before OCR (both engines): grayscale; deskewed by the slope of the table's ruling
lines when it exceeds 0.3°; the ruling lines themselves and specks of dust erased. Grid lines are what makes
Tesseract hallucinate `|`, `[` and whole rows of noise (on a generated page of table 三 with its lines,
`--psm 4` read almost no row whole; with the lines erased `--psm 6` read 24 of 25). On erased pages
`--psm 6` (one uniform block of text) and `--psm 4` (one column of text of variable sizes) score close
(`bench/ocr.py --psm`, see the README); 6 is used because it keeps each row's label on the row's line.

Lines. Tesseract's come from its TSV word boxes (its text output glues numbers of neighbouring columns);
RapidOCR's are rebuilt from its boxes by grouping boxes whose vertical centres lie within a fraction of
the text height, then sorting each line by x. A wrapped label stays on its own lines and the row's numbers
on theirs, which is the PDF-text shape the parser already joins. Digit misreads are mended in table
context only: in the run of number-like tokens that ends a line.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageSequence

from extract.detect import PDF, detect
from extract.document import Document, Line
from extract.errors import ReadError
from extract.limits import Limits

ENGINES = ("rapidocr", "tesseract")  # most trusted first: RapidOCR misreads fewer table digits
DEFAULT_DPI = 200
DEFAULT_MAX_OCR_PAGES = 60
MAX_SPECK_PIXELS = 2  # a decimal point at 9 pt and 150 dpi still covers about 6 pixels
MIN_DESKEW_DEGREES = 0.3  # below this a row drifts a few pixels across a table; rotating would only blur
TESSERACT_PSM = 6
# RapidOCR drops readings scored under 0.5 by default; a lone "0" in a blurred 150 dpi scan scored 0.46 and
# its row lost a value. A doubtful reading is still only a candidate the identities must confirm.
RAPIDOCR_MIN_SCORE = 0.3
TESSERACT_TIMEOUT = 120
TESSERACT_LANG = "chi_sim"

# Characters OCR engines put where a digit was printed; mended only inside a table row's numbers.
DIGIT_MISREADS = str.maketrans({
    "O": "0", "o": "0", "D": "0", "和": "0", "。": "0", "〇": "0", "Q": "0",
    "l": "1", "I": "1", "|": "1", "!": "1",
    "S": "5", "s": "5",
    "B": "8",
    "了": "7",
})  # fmt: skip
_STRIP = "“”\"'‘’`,，;；:：[]【】()（）"
_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[+-]?\d+(\.\d+)?$")
_MISREAD_CHARS = set("0123456789.,+-") | {chr(k) for k in DIGIT_MISREADS}


@dataclass
class EngineResult:
    """One engine's reading of all pages: the `Document` for the parser and the time it took."""

    engine: str
    document: Document
    seconds: float
    cpu_seconds: float = 0.0  # this process and its children (Tesseract): steady on a busy machine


@dataclass
class OcrDocument(Document):
    """The most trusted engine's reading as a plain `Document`, with every engine's reading attached.

    A parser that knows nothing of OCR reads it like any document; extract/pipeline.py parses every
    reading and lets extract/ocr_arbitrate.py choose the cells.
    """

    readings: list[EngineResult] = field(default_factory=list)
    ocr_pages: frozenset[int] = frozenset()  # the 1-based pages OCR read in a text PDF; empty: every page


def max_ocr_pages(limits: Limits) -> int:
    """Pages OCR will take on: the reader limit, capped by GOVREPORTS_MAX_OCR_PAGES (default 60, ~12 minutes)."""
    raw = os.environ.get("GOVREPORTS_MAX_OCR_PAGES", "").strip()
    return min(limits.max_pages, int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_OCR_PAGES)


def page_count(data: bytes, media_type: str) -> int:
    """How many pages an image file or PDF holds, without rendering any."""
    if media_type == PDF:
        pdf = _open_pdf(data)
        try:
            return len(pdf)
        finally:
            pdf.close()
    return getattr(_open_image(data), "n_frames", 1)


def iter_pages(data: bytes, media_type: str | None = None, *, dpi: int = DEFAULT_DPI,
               limits: Limits | None = None) -> Iterator[Image.Image]:
    """The pages of an image file or an image-only PDF, one at a time (a page at 200 dpi is ~4 MB), grayscale."""
    limits = limits or Limits.from_env()
    media_type = media_type or detect(data)
    count, most = page_count(data, media_type), max_ocr_pages(limits)
    if count > most:
        raise ReadError("too_many_pages", f"{count} pages to OCR, the limit is {most} (GOVREPORTS_MAX_OCR_PAGES)")
    if media_type == PDF:
        yield from _pdf_pages(data, dpi)
        return
    try:
        for frame in ImageSequence.Iterator(_open_image(data)):
            yield frame.convert("L")
    except (OSError, ValueError) as exc:
        raise ReadError("ocr_failed", f"the image could not be decoded: {exc}") from exc


def load_pages(data: bytes, media_type: str | None = None, *, dpi: int = DEFAULT_DPI,
               limits: Limits | None = None) -> list[Image.Image]:
    """All pages at once (for benchmarks and tests; readers stream with `iter_pages`)."""
    return list(iter_pages(data, media_type, dpi=dpi, limits=limits))


def _open_image(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ReadError("ocr_failed", f"the image could not be decoded: {exc}") from exc


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ReadError("pdf_corrupt", f"the scanned PDF could not be opened: {exc}") from exc


def _pdf_pages(data: bytes, dpi: int) -> Iterator[Image.Image]:
    pdf = _open_pdf(data)
    try:
        for page in pdf:
            yield page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


@dataclass
class Page:
    """A page ready for OCR: ruling lines erased from `image`; `cell_borders` marks where vertical ones were."""

    image: np.ndarray
    cell_borders: np.ndarray

    def border_between(self, x0: int, x1: int, y: int) -> bool:
        """Whether a table's vertical border ran between x0 and x1 at height y."""
        y = min(max(y, 0), self.cell_borders.shape[0] - 1)
        return x1 > x0 and bool(self.cell_borders[y, max(x0, 0) : x1].any())


def prepare(image: Image.Image) -> Page:
    """Grayscale, deskewed by its long horizontal lines, with table ruling lines erased."""
    gray = np.asarray(image.convert("L"))
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    angle = _skew_angle(_ruling(ink, horizontal=True))
    if abs(angle) > MIN_DESKEW_DEGREES:
        gray = _rotate(gray, angle)
        ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    horizontal = _ruling(ink, horizontal=True)
    verticals = _grid_verticals(_ruling(ink, horizontal=False), horizontal)
    cleaned = gray.copy()
    cleaned[cv2.dilate(horizontal | verticals, np.ones((3, 3), np.uint8)) > 0] = 255
    cleaned[_specks(ink)] = 255
    return Page(cleaned, verticals > 0)


def _specks(ink: np.ndarray) -> np.ndarray:
    """Dust: blobs of ink too small to be a stroke or a decimal point, which engines read as stray dots."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= MAX_SPECK_PIXELS
    small[0] = False
    return small[labels]


def _ruling(ink: np.ndarray, *, horizontal: bool) -> np.ndarray:
    """Pixels of straight runs: long horizontal ones (rules), or vertical ones a little taller than text."""
    height, width = ink.shape
    size = (max(width // 30, 10), 1) if horizontal else (1, max(height // 100, 10))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))


def _grid_verticals(vertical: np.ndarray, horizontal: np.ndarray) -> np.ndarray:
    """The vertical runs that meet a horizontal rule: cell borders, not the upright strokes of large characters."""
    count, labels = cv2.connectedComponents(vertical)
    if count <= 1:
        return vertical
    near_rules = cv2.dilate(horizontal, np.ones((7, 7), np.uint8)) > 0
    touching = np.unique(labels[near_rules & (vertical > 0)])
    touching = touching[touching > 0]
    return np.where(np.isin(labels, touching), 255, 0).astype(np.uint8)


def _skew_angle(horizontal_rules: np.ndarray, most: int = 20) -> float:
    """The median angle in degrees of the page's long horizontal lines (0 when there are none).

    Each long line (a connected run of rule pixels at least a sixth of the page wide) gets a least-squares
    slope; a Hough transform found the same angles but cost seconds a page.
    """
    width = horizontal_rules.shape[1]
    joined = cv2.dilate(horizontal_rules, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined)
    long_ones = [i for i in range(1, count) if stats[i, cv2.CC_STAT_WIDTH] >= width // 6]
    long_ones = sorted(long_ones, key=lambda i: -stats[i, cv2.CC_STAT_WIDTH])[:most]
    angles = []
    for i in long_ones:
        x, y, w, h = (int(v) for v in stats[i, :4])
        ys, xs = np.nonzero(labels[y : y + h, x : x + w] == i)
        angles.append(float(np.degrees(np.arctan(np.polyfit(xs, ys, 1)[0]))))
    angles = [a for a in angles if abs(a) < 5]
    return float(np.median(angles)) if angles else 0.0


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    height, width = gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


def tesseract_lines(page: Page, psm: int = TESSERACT_PSM) -> list[str]:
    """Tesseract's lines for one prepared page (one thread: OMP_THREAD_LIMIT=1 is 4× faster on 2 cores).

    Read from its TSV output (word boxes) rather than its text: with `chi_sim` the text output glues
    neighbouring table numbers ("6987" and "0" two columns apart come out as "69870"); the boxes show the gap.
    """
    ok, png = cv2.imencode(".png", page.image)
    if not ok:
        raise ReadError("ocr_failed", "the page image could not be encoded for Tesseract")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", "stdin", "stdout", "-l", TESSERACT_LANG, "--psm", str(psm), "tsv"]
    try:
        done = subprocess.run(command, input=png.tobytes(), capture_output=True, env=env, timeout=TESSERACT_TIMEOUT,
                              check=True)
    except FileNotFoundError as exc:
        raise ReadError("ocr_failed", "Tesseract is not installed (Debian: tesseract-ocr-chi-sim)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ReadError("ocr_failed", f"Tesseract did not finish a page within {TESSERACT_TIMEOUT} s") from exc
    except subprocess.CalledProcessError as exc:
        raise ReadError("ocr_failed", f"Tesseract failed: {exc.stderr.decode(errors='replace')[-300:]}") from exc
    return tsv_lines(done.stdout.decode("utf-8", errors="replace"), page)


def tsv_lines(tsv: str, page: Page | None = None, gap: float = 1.0) -> list[str]:
    """Lines from Tesseract TSV: words of one line joined, with a space only where the gap between two words
    exceeds `gap` × the line's median word height (CJK characters come as separate words with no gap) or a
    cell border ran between them (a group label in a merged cell beside a row's own label)."""
    lines: dict[tuple[str, str, str], list[tuple[int, int, int, int, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
        lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(
            (left, left + width, top + height // 2, height, text)
        )
    out = []
    for words in lines.values():
        limit = gap * float(np.median([w[3] for w in words]))
        parts = [words[0][4]]
        for previous, word in itertools.pairwise(words):
            apart = word[0] - previous[1] > limit or (
                page is not None and page.border_between(previous[1], word[0], word[2])
            )
            parts.append((" " if apart else "") + word[4])
        out.append("".join(parts))
    return out


@cache
def _rapidocr():
    """One RapidOCR instance per process (loading the three ONNX models takes ~0.3 s).

    The angle classifier is off (scans are upright once deskewed) and onnxruntime gets one thread,
    like Tesseract, so the two engines' page times compare and a batch on a shared machine behaves.
    """
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(use_cls=False, intra_op_num_threads=1, inter_op_num_threads=1)


def rapidocr_lines(page: Page) -> list[str]:
    """RapidOCR's boxes for one prepared page, rebuilt into lines."""
    result, _ = _rapidocr()(cv2.cvtColor(page.image, cv2.COLOR_GRAY2BGR), text_score=RAPIDOCR_MIN_SCORE)
    boxes = [(np.asarray(points, dtype=float), text) for points, text, _score in (result or [])]
    return boxes_to_lines(boxes)


def boxes_to_lines(boxes: list[tuple[np.ndarray, str]], tolerance: float = 0.4) -> list[str]:
    """Group text boxes (4 corner points, text) into lines: centres within `tolerance` × the median box height.

    Centres are measured across the text's own slope (the median slope of the wide boxes' top edges), so a
    page left skewed — a table without ruling lines to deskew by — still keeps a row on one line. A box
    never joins a line it overlaps horizontally (two wrapped label lines in one cell are two lines).
    """
    boxes = [(points, text.strip()) for points, text in boxes if text.strip()]
    if not boxes:
        return []
    slope = _text_slope([points for points, _ in boxes])
    items = []
    for points, text in boxes:
        x, y = points.mean(axis=0)
        height = (np.linalg.norm(points[3] - points[0]) + np.linalg.norm(points[2] - points[1])) / 2
        items.append((y - slope * x, height, points[:, 0].min(), points[:, 0].max(), text))
    limit = tolerance * float(np.median([item[1] for item in items]))
    lines: list[list[tuple]] = []
    for item in sorted(items, key=lambda it: it[0]):
        target = _line_for(lines, item, limit)
        if target is None:
            lines.append([item])
        else:
            target.append(item)
    return [" ".join(it[4] for it in sorted(line, key=lambda it: it[2])) for line in lines]


def _text_slope(quads: list[np.ndarray]) -> float:
    """dy/dx of the text: the median over boxes at least three times as wide as tall (0 when there are none)."""
    slopes = []
    for points in quads:
        dx, dy = points[1] - points[0]
        height = np.linalg.norm(points[3] - points[0])
        if dx > 3 * height:
            slopes.append(dy / dx)
    return float(np.median(slopes)) if slopes else 0.0


def _line_for(lines: list[list[tuple]], item: tuple, limit: float) -> list[tuple] | None:
    centre, _, x0, x1, _ = item
    for line in reversed(lines[-4:]):
        line_centre = sum(it[0] for it in line) / len(line)
        overlaps = any(x0 < other[3] and other[2] < x1 for other in line)
        if abs(centre - line_centre) <= limit and not overlaps:
            return line
    return None


def mend_table_digits(line: str) -> str:
    """Mend digit misreads in the run of number-like tokens that ends a line (a table row's values).

    A token counts as number-like when, stripped of stray quotes and brackets, it consists only of digits,
    separators and known misread characters; the run must hold at least one real digit, so prose and
    labels are never touched.
    """
    tokens = line.split()
    start = len(tokens)
    while start > 0 and _number_like(tokens[start - 1]):
        start -= 1
    run = tokens[start:]
    if not run or not any(ch.isdigit() for token in run for ch in token):
        return line
    mended = [_mend(token) for token in run if token.strip(_STRIP + ".")]  # a lone dot or quote is dust
    return " ".join(tokens[:start] + mended)


def _mend(token: str) -> str:
    """A number-like token with stray marks dropped and misread characters mapped; unchanged if still no number."""
    mended = token.strip(_STRIP).strip(".").rstrip("+-").translate(DIGIT_MISREADS)
    return mended if _NUMBER.match(mended) else token


def _number_like(token: str) -> bool:
    core = token.strip(_STRIP)
    return len(core) <= 12 and set(core) <= _MISREAD_CHARS  # an empty core: a stray quote among the numbers


def ocr_pages(images: Iterable[Image.Image], engines: tuple[str, ...] = ENGINES,
              media_type: str = "image/png") -> list[EngineResult]:
    """Every engine's reading of the pages, each a `Document(method="ocr", ocr=True)` with 1-based pages.

    Pages are taken one at a time, prepared once and read by every engine, so memory holds one page.
    """
    readers = {"tesseract": tesseract_lines, "rapidocr": rapidocr_lines}
    lines: dict[str, list[Line]] = {engine: [] for engine in engines}
    seconds = dict.fromkeys(engines, 0.0)
    cpu = dict.fromkeys(engines, 0.0)
    pages = 0
    for number, image in enumerate(images, start=1):
        page = prepare(image)
        pages = number
        for engine in engines:
            started, started_cpu = time.perf_counter(), _cpu_time()
            lines[engine] += [Line(mend_table_digits(text), page=number) for text in readers[engine](page)]
            seconds[engine] += time.perf_counter() - started
            cpu[engine] += _cpu_time() - started_cpu
    return [
        EngineResult(engine, Document(media_type=media_type, method="ocr", lines=lines[engine], pages=pages, ocr=True),
                     seconds[engine], cpu[engine])
        for engine in engines
    ]


def _cpu_time() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def read_scan(data: bytes, media_type: str | None = None, limits: Limits | None = None,
              engines: tuple[str, ...] = ENGINES) -> OcrDocument:
    """An image (JPEG/PNG/TIFF...) or a PDF without a text layer, read by every engine installed.

    With one engine missing the other still reads (cells then rest on the identities alone, and the
    document says so); with none the read fails with a clear error.
    """
    media_type = media_type or detect(data)
    missing = {engine: why for engine in engines if (why := engine_missing(engine))}
    usable = tuple(engine for engine in engines if engine not in missing)
    if not usable:
        raise ReadError("ocr_failed", "no OCR engine is installed: " + "; ".join(missing.values()))
    readings = ocr_pages(iter_pages(data, media_type, limits=limits), usable, media_type)
    first = readings[0].document
    warnings = [f"OCR engine {engine} unavailable ({why}): cells rest on one engine" for engine, why in missing.items()]
    return OcrDocument(media_type=media_type, method="ocr", lines=first.lines, pages=first.pages, ocr=True,
                       warnings=warnings, readings=readings)


def engine_missing(engine: str) -> str | None:
    """Why an engine cannot run here, or None when it can."""
    if engine == "tesseract":
        return None if shutil.which("tesseract") else "the tesseract program is not on PATH (tesseract-ocr-chi-sim)"
    if engine == "rapidocr":
        found = importlib.util.find_spec("rapidocr_onnxruntime") is not None
        return None if found else "the rapidocr-onnxruntime package is not installed"
    return f"unknown OCR engine {engine!r}"


def read_pdf(data: bytes, limits: Limits | None = None) -> OcrDocument:
    """A PDF without a text layer (called by extract/readers/pdf.py)."""
    return read_scan(data, PDF, limits)


def read_image(data: bytes, limits: Limits | None = None, media_type: str | None = None,
               engines: tuple[str, ...] = ENGINES) -> OcrDocument:
    """A page image or multi-page TIFF (`engines=("rapidocr",)` when only the most trusted lines are used)."""
    return read_scan(data, media_type, limits, engines)
