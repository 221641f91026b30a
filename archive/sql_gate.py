"""The gate for arbitrary SQL (`/<db>?sql=`): one query at a time, a lower time limit, 429 for the rest."""

from __future__ import annotations

import math
import time
from urllib.parse import parse_qsl, urlencode

from archive.metadata import ARBITRARY_SQL_RETRY_AFTER_S, ARBITRARY_SQL_TIME_LIMIT_MS

COOL_DOWN_AFTER_S = 0.25
BUSY = "Another SQL query is running; one arbitrary query at a time. Retry shortly, or use the canned queries."


def is_arbitrary_sql(scope: dict) -> bool:
    """SQL the user wrote: `?sql=` on the database page (`/<db>`, `/<db>.json`, ...), or `?_where=` on a table
    page (`/<db>/<table>`), which Datasette adds to the table's query as written (an endless subquery included).

    Canned queries and table pages without `_where` are not gated; neither is `sql=` on a table page (ignored)."""
    if scope.get("type") != "http" or scope["path"].startswith("/-"):
        return False
    segments = scope["path"].count("/")
    names = {name for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if value}
    return (segments == 1 and "sql" in names) or (segments >= 2 and "_where" in names)


def with_time_limit(query_string: bytes, limit_ms: int) -> bytes:
    """The query string with `_timelimit` set to at most `limit_ms` (Datasette only ever lowers its limit)."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    asked = [int(v) for k, v in pairs if k == "_timelimit" and v.isdigit() and int(v) > 0]
    limit = min([limit_ms, *asked])
    return urlencode([(k, v) for k, v in pairs if k != "_timelimit"] + [("_timelimit", str(limit))]).encode("latin-1")


async def retry_later(send, status: int, message: str, retry_after_s: int) -> None:
    """A plain-text answer asking the client to retry in `retry_after_s` seconds (never cached)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"retry-after", str(retry_after_s).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": message.encode()})


def sql_gate(app):
    """At most one arbitrary-SQL request at a time, with a lower time limit than canned queries; others get 429.

    Datasette stops a query with a Python progress handler that needs the GIL every 1,000 SQLite instructions,
    so a running endless query slows every other request and holds one of the num_sql_threads threads until its
    limit. The gate bounds that to one thread for ARBITRARY_SQL_TIME_LIMIT_MS, and after a slow query (over
    COOL_DOWN_AFTER_S) stays closed for as long as that query ran: queries sent back to back can then hold the
    server at most half of the time. The check and the claim happen without an await in between, so on the
    single event loop no two requests can both pass."""
    running = False
    closed_until = 0.0

    async def gated(scope, receive, send):
        nonlocal running, closed_until
        if not is_arbitrary_sql(scope):
            await app(scope, receive, send)
            return
        now = time.monotonic()
        if running or now < closed_until:
            wait = max(ARBITRARY_SQL_RETRY_AFTER_S, math.ceil(closed_until - now))
            await retry_later(send, 429, BUSY, wait)
            return
        running = True
        try:
            limited = with_time_limit(scope.get("query_string", b""), ARBITRARY_SQL_TIME_LIMIT_MS)
            scope = {**scope, "query_string": limited}
            await app(scope, receive, send)
        finally:
            running = False
            finished = time.monotonic()
            if finished - now >= COOL_DOWN_AFTER_S:
                closed_until = finished + (finished - now)

    return gated
