"""DOC, WPS, RTF, XLS and XLSX: LibreOffice converts the old formats, in batches; spreadsheets are read as grids.

Word-processor files (DOC, Kingsoft WPS, RTF) are converted to DOCX and then read by the DOCX reader, so
their tables come out as real tables; XLS is converted to XLSX and read with openpyxl (merged cells
expanded, one grid per sheet). openpyxl rather than pandas: we need the merged ranges, not a data frame.

A LibreOffice call costs about a second, mostly start-up, so `convert_batch` hands many files to one
`soffice --headless --convert-to` call, with a private profile directory (`-env:UserInstallation`, so
parallel calls and a user's own LibreOffice do not fight over a lock) and a timeout. If a batch times out,
the files it did not finish are retried one by one, so one pathological file costs only itself.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

import olefile
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from extract.detect import (
    DOC,
    ENCRYPTED_OFFICE,
    EXTENSIONS,
    OFFICE_SHEET_TYPES,
    OFFICE_WORD_TYPES,
    OLE,
    WPS,
    XLSX,
    detect,
)
from extract.document import Document, Grid, Line
from extract.errors import ReadError
from extract.limits import Limits
from extract.readers.cells import check_zip, join_fragments
from extract.readers.docx import read_docx

BATCH_SIZE = 20
MAX_SHEET_CELLS = 2_000_000
MAX_SHEET_XML_BYTES = 64 * 1024 * 1024
WORD_FIB_ENCRYPTED = 0x0100  # FibBase.fEncrypted, in the flags word at offset 0x0A of the WordDocument stream


def convert_batch(paths: list[str | Path], limits: Limits | None = None) -> dict[str, Document | ReadError]:
    """Read DOC/WPS/RTF/XLS/XLSX files: each path (as given) maps to its `Document` or the `ReadError`.

    Files are detected first and read again chunk by chunk for conversion, so a batch of thousands holds
    at most `BATCH_SIZE` files in memory.
    """
    limits = limits or Limits()
    results: dict[str, Document | ReadError] = {}
    pending: dict[str, str] = {}  # path → media type, waiting for LibreOffice
    for path in paths:
        key = str(path)
        try:
            data = _load(Path(path), limits)
            media_type = detect(data)
            if media_type == XLSX:
                results[key] = read_xlsx(data, limits)
            elif media_type in OFFICE_WORD_TYPES or media_type in OFFICE_SHEET_TYPES:
                _refuse_encrypted(data, media_type)
                pending[key] = media_type
            else:
                raise ReadError("unsupported_format", f"the content is {media_type}, not an office format")
        except ReadError as error:
            results[key] = error
    for target in ("docx", "xlsx"):
        group = [key for key, media_type in pending.items() if _target(media_type) == target]
        for chunk in _chunks(group, BATCH_SIZE):
            sources = {key: (Path(key).read_bytes(), EXTENSIONS.get(pending[key], "bin")) for key in chunk}
            for key, outcome in convert_files(sources, target, limits.conversion_timeout).items():
                if isinstance(outcome, ReadError):
                    results[key] = outcome
                else:
                    results[key] = _read_converted(outcome, pending[key], limits)
    return {str(path): results[str(path)] for path in paths}


def read_office(data: bytes, limits: Limits | None = None) -> Document:
    """One office file from bytes (a batch of one: prefer `convert_batch` for many)."""
    with tempfile.TemporaryDirectory(prefix="govreports-office-") as workdir:
        path = Path(workdir) / "input"
        path.write_bytes(data)
        outcome = convert_batch([path], limits)[str(path)]
    if isinstance(outcome, ReadError):
        raise outcome
    return outcome


def _load(path: Path, limits: Limits) -> bytes:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ReadError("too_large", f"{size} bytes, over the limit of {limits.max_file_bytes}")
    data = path.read_bytes()
    if not data.strip():
        raise ReadError("empty")
    return data


def _target(media_type: str) -> str:
    return "xlsx" if media_type in OFFICE_SHEET_TYPES else "docx"


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _refuse_encrypted(data: bytes, media_type: str) -> None:
    """Encrypted or unreadable containers: LibreOffice headless would only fail on them, slowly."""
    if media_type == ENCRYPTED_OFFICE:
        raise ReadError("password_protected", "an Office 2007+ document encrypted with a password")
    if media_type == OLE:
        raise ReadError("ole_corrupt", "an OLE2 container with no Word or Excel stream: damaged, truncated, or not "
                                       "a document")
    if media_type not in (DOC, WPS):
        return
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            fib = ole.openstream("WordDocument").read(12)
    except (OSError, ValueError, IndexError, RuntimeError) as exc:
        raise ReadError("ole_corrupt", f"the Word file's OLE2 container is damaged ({exc})") from exc
    if len(fib) >= 12 and int.from_bytes(fib[10:12], "little") & WORD_FIB_ENCRYPTED:
        raise ReadError("password_protected", "the Word file is encrypted with a password")


def convert_files(sources: dict[str, tuple[bytes, str]], target: str, timeout: float) -> dict[str, bytes | ReadError]:
    """Convert files to `target` (docx, xlsx, pdf) in one LibreOffice call; retry one by one on a timeout.

    `sources` maps a caller's key to (bytes, the extension LibreOffice should see); the result maps the same
    keys to the converted bytes or a `ReadError`. `target` may carry a filter ("pdf:writer_pdf_Export:{...}").
    """
    extension = target.split(":")[0]
    with tempfile.TemporaryDirectory(prefix="govreports-office-") as workdir:
        work = Path(workdir)
        names = {}
        for i, (key, (data, source_extension)) in enumerate(sources.items()):
            name = f"f{i:04d}.{source_extension}"
            (work / name).write_bytes(data)
            names[key] = name
        timed_out = not _soffice(work, list(names.values()), target, timeout)
        results: dict[str, bytes | ReadError] = {}
        for key, name in names.items():
            output = work / "out" / f"{Path(name).stem}.{extension}"
            if not output.exists() and timed_out and len(names) > 1:
                if not _soffice(work, [name], target, timeout):
                    results[key] = _timeout(timeout)
                    continue
            if output.exists() and output.stat().st_size > 0:
                results[key] = output.read_bytes()
            elif timed_out and len(names) == 1:
                results[key] = _timeout(timeout)
            else:
                results[key] = _not_converted(sources[key][1], extension)
        return results


def _not_converted(source_extension: str, extension: str) -> ReadError:
    what = f"this {source_extension.upper()} file to {extension.upper()}"
    return ReadError("conversion_failed", f"LibreOffice could not convert {what}: it is damaged or in a variant "
                                          "LibreOffice does not read")


def _timeout(timeout: float) -> ReadError:
    return ReadError("conversion_timeout", f"LibreOffice did not finish converting the file within {timeout:.0f} s")


def _soffice(work: Path, names: list[str], target: str, timeout: float) -> bool:
    """Run one conversion call in `work`; False if it ran out of time (the process group is killed)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ReadError("conversion_failed", "LibreOffice (soffice) is not installed: run setup.sh")
    profile = work / "profile"
    command = [
        soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nolockcheck",
        "--convert-to", target, "--outdir", str(work / "out"), *names,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False


def _read_converted(data: bytes, media_type: str, limits: Limits) -> Document:
    if media_type in OFFICE_SHEET_TYPES:
        return read_xlsx(data, limits, media_type=media_type, method="office")
    return read_docx(data, limits, media_type=media_type, method="office")


def read_xlsx(data: bytes, limits: Limits | None = None, media_type: str = XLSX, method: str = "xlsx") -> Document:
    """Every sheet as a grid (merged ranges expanded) and as tab-separated lines (merged text once)."""
    limits = limits or Limits()
    check_zip(data, limits, "XLSX")
    _refuse_huge_sheets(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise ReadError("xlsx_corrupt", f"XLSX: {type(exc).__name__}: {exc}") from exc
    document = Document(media_type=media_type, method=method, pages=len(workbook.worksheets))
    for sheet in workbook.worksheets:
        if sheet.max_row * sheet.max_column > MAX_SHEET_CELLS:
            raise ReadError("too_large", f"XLSX: sheet {sheet.title!r} has {sheet.max_row}×{sheet.max_column} cells")
        raw = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        grid = [list(row) for row in raw]
        for merged in sheet.merged_cells.ranges:
            text = raw[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, merged.max_row):
                for c in range(merged.min_col - 1, merged.max_col):
                    grid[r][c] = text
        keep = [i for i, row in enumerate(grid) if any(row)]
        if not keep:
            continue
        document.tables.append(Grid(rows=_trim([grid[i] for i in keep]), page=len(document.tables) + 1))
        document.lines.extend(Line("\t".join(raw[i]).rstrip("\t")) for i in keep if any(raw[i]))
    workbook.close()
    return document


def _refuse_huge_sheets(data: bytes) -> None:
    """openpyxl holds a whole sheet in memory, tens of bytes per cell: refuse sheets no report needs
    before loading them (sizes from the ZIP directory, which zipfile enforces)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    if sheets > MAX_SHEET_XML_BYTES:
        raise ReadError("too_large", f"XLSX: {sheets} bytes of sheet XML, over {MAX_SHEET_XML_BYTES}")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return join_fragments(str(value).splitlines())


def _trim(rows: list[list[str]]) -> list[list[str]]:
    width = max((max((i + 1 for i, cell in enumerate(row) if cell), default=0) for row in rows), default=0)
    return [row[:width] for row in rows]
