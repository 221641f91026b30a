"""`govreports extract`: documents (or a crawl's raw store) to report-model records, one JSON line each."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

import click

from extract.batch import batch_collection, extract_paths
from extract.limits import Limits
from extract.rawstore import extract_raw


def _progress(records: Iterable[dict], total: int | None) -> Iterator[dict]:
    """Pass records through, counting on stderr when it is a terminal."""
    show = sys.stderr.isatty()
    for count, rec in enumerate(records, start=1):
        if show:
            where = rec["source"].get("path") or rec["source"].get("url") or ""
            click.echo(f"\r{count}/{total or '?'} {where[-60:]:<60}", err=True, nl=False)
        yield rec
    if show:
        click.echo("", err=True)


def _write(records: Iterable[dict], out: TextIO) -> tuple[int, int]:
    written = failed = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        written += 1
        failed += bool(rec["errors"])
    return written, failed


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=str))
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the records to this file instead of stdout.")
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Extract every report of a crawl's raw store (DIR/reports.jsonl and its files).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None,
              help="Largest input file read, in bytes (default 200 MB, or GOVREPORTS_MAX_FILE_MB).")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Most pages a PDF may have (default 500, or GOVREPORTS_MAX_PAGES).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds a LibreOffice conversion may take (default 120, or GOVREPORTS_CONVERSION_TIMEOUT).")
def extract(paths: tuple[str, ...], jsonl: Path | None, raw_dir: Path | None, max_bytes: int | None,
            max_pages: int | None, timeout: float | None) -> None:
    """Extract annual reports (PDF, DOCX, HTML, text, office files, scans) into report-model JSON lines.

    A file that cannot be read gets a record with `errors` and the batch goes on; the exit status is
    non-zero only when nothing at all could be read.
    """
    if not paths and raw_dir is None:
        raise click.UsageError("give files to extract, or --raw DIR")
    if raw_dir is not None and not (raw_dir / "reports.jsonl").is_file():
        raise click.UsageError(f"{raw_dir} has no reports.jsonl: is it a crawl's output directory?")
    limits = Limits.from_env().replace(max_file_bytes=max_bytes, max_pages=max_pages, conversion_timeout=timeout)
    batches: list[Iterable[dict]] = []
    if paths:
        batches.append(_progress(extract_paths(list(paths), limits), len(paths)))
    if raw_dir is not None:
        batches.append(_progress(extract_raw(raw_dir, limits), None))
    out = jsonl.open("w", encoding="utf-8") if jsonl else sys.stdout
    try:
        written = failed = 0
        with batch_collection():
            for batch in batches:
                w, f = _write(batch, out)
                written, failed = written + w, failed + f
    finally:
        if jsonl:
            out.close()
    if failed:
        click.echo(f"extract: {failed} of {written} inputs could not be read (see their `errors`)", err=True)
    if written == 0 or failed == written:
        sys.exit(1)
