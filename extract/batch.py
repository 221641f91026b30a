"""Many files at once: office files (DOC, WPS, RTF, XLS) are converted by LibreOffice in batches, and files
are read a chunk at a time before the chunk is parsed.

LibreOffice costs about a second per call, mostly start-up, so the office files of a batch are
detected first and converted together (extract/readers/office.py `convert_batch`). Records come out in
input order, one per path, never an exception.

Reading (pdfium loading pages, mostly) and parsing (Python) each have a working set that the other evicts
from the CPU caches; reading a chunk of files and then parsing them keeps each stage's working set warm
through the chunk. bench/extract.py measures both ways on the same PDFs. A chunk closes at `CHUNK_FILES`
files or once the files it holds reach `CHUNK_BYTES`, so a batch holds little more than one chunk's bytes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from extract.detect import OFFICE_SHEET_TYPES, OFFICE_WORD_TYPES, XLSX, detect
from extract.document import Document
from extract.errors import ReadError
from extract.limits import Limits
from extract.model import error_record, source_of
from extract.pipeline import Reading, parse_reading, read_bytes, read_path

OFFICE = (OFFICE_WORD_TYPES | OFFICE_SHEET_TYPES) - {XLSX}
# files read before the chunk is parsed: each switch between reading and parsing costs ~0.5-1 ms of refilled caches;
# on 56 PDFs, chunks of 8, 16 and 32 cost 1.321, 1.315 and 1.305 x bare pypdfium2, one at a time ~1.36
CHUNK_FILES = 32
CHUNK_BYTES = 32 * 1024 * 1024  # or fewer, once their bytes reach this
YOUNG_THRESHOLD = 10_000  # allocations between young collections while a batch runs (CPython's default: 700)
T = TypeVar("T")
R = TypeVar("R")


def _office_paths(paths: list[str], limits: Limits) -> list[str]:
    office = []
    for path in paths:
        try:
            if Path(path).stat().st_size <= limits.max_file_bytes and detect(Path(path).read_bytes()) in OFFICE:
                office.append(path)
        except OSError:
            continue  # read_path reports it
    return office


def convert_office(paths: list[str], limits: Limits) -> dict[str, Document | ReadError]:
    """The office files among `paths` (judged by content), converted by LibreOffice in batches."""
    office = _office_paths(paths, limits)
    if not office:
        return {}
    from extract.readers.office import convert_batch

    return convert_batch(office, limits)


def read_one(
    path: str, converted: dict[str, Document | ReadError], limits: Limits, charset: str | None = None
) -> Reading:
    """One file read, using its batch conversion when it was an office file (`charset`: declared by the HTTP
    header the file was served with, for text and HTML)."""
    outcome = converted.get(path)
    if outcome is None:
        return read_path(path, limits, charset=charset)
    data = Path(path).read_bytes()
    if isinstance(outcome, ReadError):
        source = source_of(data, detect(data), path=path)
        return Reading(data, source, limits, failed=error_record(source, [outcome.as_dict()]))
    return read_bytes(data, {"path": path}, limits, document=outcome)


def in_chunks(reads: Iterable[T], finish: Callable[[T], R], held: Callable[[T], int], files: int | None = None,
              size: int | None = None) -> Iterator[R]:
    """`finish` of each of `reads` in order, where `reads` is a lazy iterable that reads one file (or one report's
    files) per step and `held` says how many bytes a step holds: a chunk (`files` steps or `size` bytes, by default
    CHUNK_FILES and CHUNK_BYTES) is read before any of it is finished."""
    files, size = files or CHUNK_FILES, size or CHUNK_BYTES
    chunk: list[T] = []
    holding = 0
    for read in reads:
        chunk.append(read)
        holding += held(read)
        if len(chunk) >= files or holding >= size:
            yield from map(finish, chunk)
            chunk, holding = [], 0
    yield from map(finish, chunk)


def parse_in_chunks(readings: Iterable[Reading], files: int | None = None, size: int | None = None) -> Iterator[dict]:
    """The records of `readings` (a lazy iterable of files read), a chunk read before any of it is parsed."""
    return in_chunks(readings, parse_reading, _held, files, size)


def _held(reading: Reading) -> int:
    return len(reading.data)


def extract_all(inputs: Iterable[tuple[bytes, dict]], limits: Limits | None = None) -> Iterator[dict]:
    """One record per (bytes, where) pair, in order, read and parsed in chunks."""
    limits = limits or Limits.from_env()
    yield from parse_in_chunks(read_bytes(data, where, limits) for data, where in inputs)


def extract_paths(paths: list[str], limits: Limits | None = None) -> Iterator[dict]:
    """One record per path, in order; office files converted together first, the others read in chunks."""
    limits = limits or Limits.from_env()
    converted = convert_office(paths, limits)
    yield from parse_in_chunks(read_one(path, converted, limits) for path in paths)


@contextmanager
def batch_collection(threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """The garbage collector's young-generation threshold raised while a batch is extracted, then restored.

    A report's parse allocates thousands of small objects that die young (items, cell and check dicts); at
    CPython's default threshold the collector ran ~12 young collections over the 14 benchmark PDFs, ~1 ms of
    their ~80 ms, and at 10,000 about one. Young objects held at most ~10,000 longer is a few hundred KB. A
    setting of the process, so the commands that extract set it (`govreports extract`, `govreports run`),
    not the library's functions."""
    thresholds = gc.get_threshold()
    gc.set_threshold(threshold, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
