"""Publishing the archive: finish a database for the public, write release files, and build the Datasette app.

`publish` makes the archive ready for a read-only public instance: indexes and the search index rebuilt,
statistics for the query planner, rollback journal (an immutable database cannot be in WAL mode), VACUUM;
then release files: the database, CSV and Parquet exports of every table, metadata.json / settings.json,
VERSION and SHA256SUMS. Parquet is written with pyarrow in batches so the 20-million-row `cells` table never
has to fit in memory.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlite_utils
from datasette.app import Datasette

from archive.metadata import SETTINGS, build_metadata
from archive.schema import SCHEMA_VERSION, create_schema
from archive.search import rebuild_index

HERE = Path(__file__).parent
PLUGINS_DIR = HERE / "plugins"
TEMPLATES_DIR = HERE / "templates"
BATCH = 50_000
ARROW_TYPES = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string(), "NUMERIC": pa.float64()}


def finish(db_path: Path) -> dict:
    """Indexes, search index, planner statistics, rollback journal, VACUUM. Returns row counts."""
    db = sqlite_utils.Database(db_path)
    with db.conn:
        create_schema(db.conn)
        indexed = rebuild_index(db.conn)
        db.conn.execute(
            "INSERT OR REPLACE INTO archive_info (key, value) VALUES ('published_at', ?)",
            (datetime.now(UTC).isoformat(timespec="seconds"),),
        )
    db.conn.execute("ANALYZE")
    db.conn.execute("PRAGMA journal_mode = DELETE")
    db.vacuum()
    counts = {name: db[name].count for name in public_tables(db)}
    counts["search_index"] = indexed
    db.close()
    return counts


def public_tables(db: sqlite_utils.Database) -> list[str]:
    """Every table a user sees: not the FTS index or its shadow tables."""
    return [name for name in db.table_names() if not name.startswith(("reports_fts", "sqlite_"))]


def _declared_types(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    return [(row[1], (row[2] or "TEXT").upper()) for row in conn.execute(f'PRAGMA table_info("{table}")')]


def export_table(conn: sqlite3.Connection, table: str, out_dir: Path) -> list[Path]:
    """table.csv and table.parquet, streamed in batches."""
    columns = _declared_types(conn, table)
    schema = pa.schema([(name, ARROW_TYPES.get(kind, pa.string())) for name, kind in columns])
    csv_path, parquet_path = out_dir / f"{table}.csv", out_dir / f"{table}.parquet"
    cursor = conn.execute(f'SELECT * FROM "{table}"')
    with csv_path.open("w", encoding="utf-8", newline="") as handle, pq.ParquetWriter(parquet_path, schema) as writer:
        writer_csv = csv.writer(handle)
        writer_csv.writerow([name for name, _ in columns])
        while rows := cursor.fetchmany(BATCH):
            writer_csv.writerows(rows)
            arrays = [
                pa.array([_coerce(row[i], kind) for row in rows], type=schema.field(i).type)
                for i, (_, kind) in enumerate(columns)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
    return [csv_path, parquet_path]


def _coerce(value, kind: str):
    if value is None:
        return None
    if kind in ("REAL", "NUMERIC"):
        return float(value)
    if kind == "INTEGER":
        return int(value)
    return str(value)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def publish(db_path: Path | str, out_dir: Path | str | None = None) -> Path:
    """Finish the database and write the release directory (default: <db>-release next to it)."""
    db_path = Path(db_path)
    out = Path(out_dir) if out_dir else db_path.with_name(f"{db_path.stem}-release")
    (out / "tables").mkdir(parents=True, exist_ok=True)
    counts = finish(db_path)
    release_db = out / db_path.name
    release_db.unlink(missing_ok=True)
    source = sqlite3.connect(db_path)
    source.execute("VACUUM INTO ?", (str(release_db),))
    files = [release_db]
    for table in public_tables(sqlite_utils.Database(source)):
        files += export_table(source, table, out / "tables")
    source.close()
    (out / "metadata.json").write_text(
        json.dumps(build_metadata(db_path.stem), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (out / "settings.json").write_text(json.dumps(SETTINGS, indent=2), encoding="utf-8")
    (out / "VERSION").write_text(
        json.dumps(
            {
                "release": datetime.now(UTC).strftime("%Y.%m.%d"),
                "schema_version": SCHEMA_VERSION,
                "govreports": version("govreports"),
                "rows": counts,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    files += [out / "metadata.json", out / "settings.json", out / "VERSION"]
    lines = [f"{sha256_file(path)}  {path.relative_to(out)}" for path in files]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def plain_error_pages() -> None:
    """Datasette's default error handler prints every error it answers (a 404, a query stopped by the time limit)
    as a rich traceback with every local variable when rich is installed, which it is (our progress bars): measured
    on a 300-report archive, 0.4 s of CPU per 404 and 1.7 s per stopped query against 0.01 s without, a cheap way
    for anyone to load the server. Without rich, Datasette answers the same error pages and still prints a plain
    traceback for real 500s. (Imported here, after datasette.app: imported first, this module would be
    registered half-initialised by datasette.plugins, without its hook.)"""
    from datasette import handle_exception

    handle_exception.rich = None


def make_datasette(db_path: Path | str, files_dir: Path | str | None = None, immutable: bool = True) -> Datasette:
    """The public instance: immutable database under its file name, the project's metadata, plugins, templates."""
    db_path = Path(db_path)
    plain_error_pages()
    metadata = build_metadata(db_path.stem)
    if files_dir:
        metadata["plugins"] = {"govreports-archive": {"files_dir": str(files_dir)}}
    return Datasette(
        files=[] if immutable else [str(db_path)],
        immutables=[str(db_path)] if immutable else [],
        metadata=metadata,
        settings=SETTINGS,
        plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )
