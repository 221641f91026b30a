"""The archive's Datasette plugin: Chinese search, safe snippets, the report page, archived copies, headers.

Loaded with `plugins_dir=archive/plugins` (govreports serve does this; for `datasette` itself pass
`--plugins-dir archive/plugins --template-dir archive/templates`).
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from archive.facets import SinglePassColumnFacet
from archive.queries import CHART_FRAGMENT
from archive.schema import label_rows
from archive.search import fts_query, marked_to_html, snippet_marked
from archive.sql_gate import sql_gate
from extract.template import load_template

PLUGIN = "govreports-archive"
OUTCOME_GROUPS = (
    ("予以公开", ("granted",)),
    ("部分公开", ("partially_granted",)),
    ("不予公开", ("denied_",)),
    ("无法提供", ("unable_",)),
    ("不予处理", ("not_processed_",)),
    ("其他处理", ("other",)),
)
REPORT_PAGE_COLUMNS = (
    "id", "body_id", "title", "template", "checks_failed", "page_url", "source_url", "sha256", "archived",
)
RANKED_SEARCH = "search"  # the canned query in archive/queries.py
MMAP_SIZE = 0x7FFF0000  # SQLite's default upper bound (SQLITE_MAX_MMAP_SIZE); a larger file is partly mapped
# Datasette 0.65 raises these for a bad query string with its default status, 500: they are the client's
CLIENT_ERRORS = ("Cannot sort table by", "Cannot use _sort and _sort_desc", "Invalid _through")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
]


def hamming_distance(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


@hookimpl(trylast=True)
def prepare_connection(conn):
    """Registered last, so our escape_fts replaces Datasette's own (otherwise search silently finds nothing).

    The database is read through a memory map: a search's count and first page look up every matching report row
    (one b-tree leaf page each, ~5,700 pages for 10,000 reports), and a mapped page costs no read() and no copy
    into each connection's page cache (the count of a word in all 10,000 reports: 21 ms -> 8 ms)."""
    conn.execute(f"PRAGMA mmap_size = {MMAP_SIZE}")
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    conn.create_function("zh_snippet", 2, snippet_marked, deterministic=True)
    conn.create_function("hamming_distance", 2, hamming_distance, deterministic=True)


@hookimpl
def register_facet_classes():
    return [SinglePassColumnFacet]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if column == "snippet" and isinstance(value, str):
        return Markup(marked_to_html(value))
    if table == "reports" and column == "archived" and isinstance(value, str) and value.startswith("/-/archived/"):
        return Markup('<a href="{}">archived copy</a>').format(datasette.urls.path(value))
    return None


@cache
def _label_ids() -> dict[tuple[str, str, str, str], int]:
    return {(lab.template, lab.table_name, lab.row_key, lab.col_key): lab.id for lab in label_rows()}


def report_tables(template_id: str, values: dict[int, tuple]) -> list[dict]:
    """The report's three tables laid out as the template declares them, each value with its uncertain flag."""
    template = load_template(template_id)
    ids = _label_ids()
    out = []
    for name, table in template.tables.items():
        blocks = []
        for block in table.blocks:
            rows = []
            for row in block.rows:
                cells = []
                for col in block.cols:
                    value, uncertain = values.get(ids[(template_id, name, row.key, col.key)], (None, 0))
                    cells.append({"value": value, "uncertain": bool(uncertain)})
                rows.append({"label": row.label, "cells": cells})
            blocks.append({"item": block.item, "unit": block.unit, "cols": [c.label for c in block.cols], "rows": rows})
        out.append({"key": table.key, "title": table.title, "blocks": blocks})
    return out


def outcome_chart(template_id: str, values: dict[int, tuple]) -> list[dict]:
    """Bars for the outcome groups of table 三 (总计 column), widths in percent of the largest."""
    ids = _label_ids()
    rows = [r.key for r in load_template(template_id).tables["applications"].rows]
    bars = []
    for label, prefixes in OUTCOME_GROUPS:
        keys = [r for r in rows if r.startswith(prefixes) and r != "total_processed"]
        total = sum(values.get(ids[(template_id, "applications", k, "total")], (0, 0))[0] or 0 for k in keys)
        bars.append({"label": label, "value": total})
    largest = max((b["value"] for b in bars), default=0) or 1
    for index, bar in enumerate(bars):
        bar.update(width=round(300 * bar["value"] / largest), y=index * 26)
    return bars


def ranked_search_link(datasette, database: str, request) -> dict:
    """A table search is not ranked (Datasette orders the table page by its sort column): link the same words to the
    ranked canned query, which has bm25 order and highlighted snippets."""
    words = (request.args.get("_search") or "").strip()
    if not words:
        return {}
    return {"ranked_search_url": f"{datasette.urls.database(database)}/{RANKED_SEARCH}?{urlencode({'q': words})}"}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if table != "reports" or request is None:
        return {}
    if view_name == "table":
        return ranked_search_link(datasette, database, request)
    if view_name != "row":
        return {}

    async def inner():
        db = datasette.get_database(database)
        pk = request.url_vars.get("pks")
        columns = ", ".join(REPORT_PAGE_COLUMNS)  # not `text`: Datasette's own row query already read it
        report = (await db.execute(f"select {columns} from reports where id = ?", [pk])).first()
        if report is None:
            return {}
        values = {
            row["label_id"]: (row["value"], row["uncertain"])
            for row in await db.execute("select label_id, value, uncertain from cells where report_id = ?", [pk])
        }
        has_tables = report["template"] in ("2021", "2019") and values
        base = datasette.urls.database(database)
        return {
            "report": dict(report),
            "report_tables": report_tables(report["template"], values) if has_tables else [],
            "report_chart": outcome_chart(report["template"], values) if has_tables else [],
            "time_series_url": f"{base}/body_time_series?body_id={report['body_id']}{CHART_FRAGMENT}",
            "checks_url": f"{base}/checks?report_id={report['id']}",
            "captures_url": f"{base}/captures?sha256={report['sha256']}" if report["sha256"] else None,
            "archived_url": datasette.urls.path(report["archived"]) if report["archived"] else None,
        }

    return inner


async def _files_root(datasette, db) -> Path | None:
    configured = (datasette.plugin_config(PLUGIN) or {}).get("files_dir")
    if configured:
        return Path(configured)
    row = (await db.execute("select value from archive_info where key = 'raw_store'")).first()
    return Path(row[0]) if row else None


async def archived_copy(datasette, request):
    """Serve an archived file so that it can never run script in this origin."""
    sha = request.url_vars["sha256"]
    for db in datasette.databases.values():
        if "documents" not in await db.table_names():
            continue
        row = (await db.execute("select path, media_type, verified_pdf from documents where sha256 = ?", [sha])).first()
        root = await _files_root(datasette, db)
        if row is None or not row["path"] or root is None:
            continue
        path = (root / row["path"]).resolve()
        if not path.is_relative_to(root.resolve()) or not path.is_file():
            continue
        body = await asyncio.to_thread(path.read_bytes)
        is_pdf = bool(row["verified_pdf"]) and body.startswith(b"%PDF-")
        headers = {
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Disposition": f'{"inline" if is_pdf else "attachment"}; filename="{sha}{path.suffix}"',
        }
        content_type = "application/pdf" if is_pdf else "application/octet-stream"
        return Response(body, status=200, headers=headers, content_type=content_type)
    return Response.text("Not found", status=404)


@hookimpl
def register_routes():
    return [(r"^/-/archived/(?P<sha256>[0-9a-f]{64})$", archived_copy)]


@hookimpl
def handle_exception(exception):
    """A bad `?_sort=` or `?_through=` answers 400, not 500: the request is wrong, not the server, and a
    public instance's error rate should count only its own faults. Datasette's handler renders the page."""
    if isinstance(exception, DatasetteError) and exception.status == 500 and str(exception.message).startswith(
        CLIENT_ERRORS
    ):
        exception.status = 400


def with_security_headers(app):
    """Security headers on every response."""

    async def wrapped(scope, receive, send):
        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                names = {name.lower() for name, _ in event.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                event = {**event, "headers": [*event.get("headers", []), *extra]}
            await send(event)

        await app(scope, receive, send_with_headers)

    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    """Security headers on every response; arbitrary SQL gated (one at a time, lower time limit)."""

    def wrap(app):
        return with_security_headers(sql_gate(app))

    return wrap
