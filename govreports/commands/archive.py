"""`govreports load | publish | serve`: records into the archive, the archive to the public, Datasette on it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive.load import load as load_records
from archive.publication import publish as publish_archive
from archive.serving import ArchiveServer, ServeError, default_workers


@click.command()
@click.argument("records", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", "db_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Archive file.")
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A crawl's raw store (captures.db, reports.jsonl, files/).",
)
@click.option("--batch-size", default=500, show_default=True, help="Records per transaction.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no summary (the summary is JSON on stdout).")
def load(records: tuple[Path, ...], db_path: Path, raw_dir: Path | None, batch_size: int, quiet: bool) -> None:
    """Load report-model RECORDS (JSON lines) into the archive; re-loading unchanged records writes nothing."""

    def progress(summary) -> None:
        click.echo(
            f"\r{summary.read} read, {summary.written} written, {summary.unchanged} unchanged", err=True, nl=False
        )

    summary = load_records(records, db_path, raw_dir=raw_dir, batch_size=batch_size,
                           progress=None if quiet else progress)
    if not quiet:
        click.echo("", err=True)
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False))


@click.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Release directory (default: <db>-release beside the database).",
)
def publish(db_path: Path, out_dir: Path | None) -> None:
    """Finish DB_PATH for the public and write release files (database, CSV, Parquet, SHA256SUMS, VERSION)."""
    out = publish_archive(db_path, out_dir)
    click.echo(str(out))


@click.command()
@click.argument("db_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, help="0 picks a free port.")
@click.option(
    "--files",
    "files_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Raw store to serve archived copies from (default: the one recorded at load time).",
)
@click.option("--workers", type=int, default=None,
              help=f"Public worker processes (default: one per core, here {default_workers()}); arbitrary SQL "
                   "runs in one more, low-priority process.")
def serve(db_path: Path, host: str, port: int, files_dir: Path | None, workers: int | None) -> None:
    """Run Datasette on DB_PATH (read-only, immutable) under /<file name>/ with the project's metadata and plugins."""
    try:
        server = ArchiveServer(db_path, host=host, port=port, files_dir=files_dir, workers=workers)
    except ServeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Serving {server.url}/{db_path.stem} with {server.workers} worker process(es), arbitrary SQL in "
               "its own low-priority process (Ctrl-C to stop)", err=True)
    server.run()
