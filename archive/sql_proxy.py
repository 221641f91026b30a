"""Arbitrary SQL sent to its own process: the public workers' ASGI wrapper forwards `/<db>?sql=` requests.

A query the user wrote runs in the SQL worker (archive/serving.py), a separate, lower-priority process with
its own gate and time limit (archive/sql_gate.py), so an endless query takes neither the GIL nor a SQL thread
from the processes serving table pages, report pages and canned queries. The forwarding uses httpx, which
Datasette already depends on; the response is streamed back as the SQL worker sends it (CSV with `_stream=on`
can be long), with the original Host header so Datasette's links stay those of the public instance.
"""

from __future__ import annotations

import httpx

from archive.metadata import ARBITRARY_SQL_RETRY_AFTER_S, SETTINGS
from archive.sql_gate import is_arbitrary_sql, retry_later

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer",
     b"transfer-encoding", b"upgrade"}
)
SET_BY_THE_PUBLIC_WORKER = frozenset({b"date", b"server"})
# Long enough for the slowest answer the SQL worker can give: a query stopped at the time limit (which is lower
# than sql_time_limit_ms) plus rendering, while the low-priority worker waits for a core on a busy machine.
FORWARD_TIMEOUT_S = 10 * SETTINGS["sql_time_limit_ms"] / 1000


async def request_body(receive) -> bytes:
    chunks = []
    while True:
        event = await receive()
        if event["type"] != "http.request":
            break
        chunks.append(event.get("body", b""))
        if not event.get("more_body"):
            break
    return b"".join(chunks)


def forwarded_request(client: httpx.AsyncClient, scope: dict, body: bytes) -> httpx.Request:
    path = scope.get("raw_path") or scope["path"].encode()
    query = scope.get("query_string", b"")
    target = path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    headers = [(name, value) for name, value in scope.get("headers", []) if name.lower() not in HOP_BY_HOP]
    return client.build_request(scope["method"], target, headers=headers, content=body)


async def forward(client: httpx.AsyncClient, scope: dict, receive, send) -> None:
    """Send the request to the SQL worker and stream its answer back; 503/504 if it cannot answer."""
    request = forwarded_request(client, scope, await request_body(receive))
    try:
        response = await client.send(request, stream=True)
    except httpx.TimeoutException:
        message = "The SQL worker did not answer in time. Retry shortly, or use the canned queries."
        await retry_later(send, 504, message, ARBITRARY_SQL_RETRY_AFTER_S)
        return
    except httpx.TransportError:
        message = "The SQL worker is not answering (it may be restarting). Retry shortly, or use the canned queries."
        await retry_later(send, 503, message, ARBITRARY_SQL_RETRY_AFTER_S)
        return
    try:
        dropped = HOP_BY_HOP | SET_BY_THE_PUBLIC_WORKER
        headers = [(name, value) for name, value in response.headers.raw if name.lower() not in dropped]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        async for chunk in response.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        await response.aclose()


def route_arbitrary_sql(app, sql_worker_url: str):
    """ASGI wrapper: arbitrary SQL goes to the SQL worker at `sql_worker_url`, everything else to `app`.

    The httpx client is made on first use, inside the worker's event loop, and kept for the worker's life."""
    client: httpx.AsyncClient | None = None

    async def routed(scope, receive, send):
        nonlocal client
        if not is_arbitrary_sql(scope):
            await app(scope, receive, send)
            return
        if client is None:
            client = httpx.AsyncClient(base_url=sql_worker_url, timeout=FORWARD_TIMEOUT_S, trust_env=False)
        await forward(client, scope, receive, send)

    return routed
