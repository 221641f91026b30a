"""Column facets computed in one pass over the matching rows, cached for an immutable database.

Datasette's own column facet runs one query per facet, each wrapping the whole table query: under `?_search=`
every facet re-runs the full-text match and looks up every matching row of `reports` again (eight facets, nine
passes with the count). SQLite's planner estimates a `rowid IN (subquery)` list at 25 rows, so it always looks the
rows up by rowid (a b-tree seek into rows fattened by the text's local part) rather than scanning a covering
index: 3.5 ms per 2,000 matches per facet here, against 1 ms through the covering index (EXPLAIN QUERY PLAN:
`SEARCH reports USING INTEGER PRIMARY KEY (rowid=?)` + `LIST SUBQUERY`).

This facet (declared in metadata as `{"single_pass": "<column>"}`) groups the table query once by all of its
columns together and counts each column from those groups, so the match and the lookups are paid once whatever
the number of facets. The database is served immutable, so a result for the same query and parameters cannot
change: it is kept in a small LRU cache. Results have the shape and `type` ("column") of Datasette's column facet,
so pages, JSON and toggles are unchanged; `?_facet=` from a URL still uses Datasette's own facet.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, OrderedDict
from weakref import WeakKeyDictionary

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args, sqlite_timelimit

TYPE = "single_pass"
CACHE_SIZE = 512
_caches: WeakKeyDictionary = WeakKeyDictionary()  # per Datasette instance: OrderedDict of query -> counters


def _ordered(counter: Counter) -> list[tuple[object, int]]:
    """Values by count descending, then value, as Datasette's `order by count desc, value` (numbers before text)."""
    return sorted(counter.items(), key=lambda item: (-item[1], isinstance(item[0], str), item[0]))


def count_columns(conn, sql: str, params, columns: list[str], time_limit_ms: int) -> list[Counter]:
    """For each column, how many rows of `sql` hold each non-null value: one grouped pass for all columns."""
    selected = ", ".join(escape_sqlite(c) for c in columns)
    grouped = f"select {selected}, count(*) from ({sql}) group by {selected}"
    counters = [Counter() for _ in columns]
    try:
        with sqlite_timelimit(conn, time_limit_ms):
            for row in conn.execute(grouped, params):
                count = row[-1]
                for counter, value in zip(counters, row[:-1], strict=False):
                    if value is not None:
                        counter[value] += count
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            raise QueryInterrupted(error, grouped, params) from error
        raise
    return counters


class SinglePassColumnFacet(Facet):
    type = TYPE

    async def _counts(self, columns: list[str]) -> list[Counter]:
        db = self.ds.get_database(self.database)
        params = tuple(sorted(self.params.items())) if isinstance(self.params, dict) else tuple(self.params)
        key = (self.database, db.path, self.sql, params, tuple(columns))
        cache = _caches.setdefault(self.ds, OrderedDict())
        if not db.is_mutable and key in cache:
            cache.move_to_end(key)
            return cache[key]
        limit = self.ds.setting("facet_time_limit_ms")
        counters = await db.execute_fn(lambda conn: count_columns(conn, self.sql, self.params, columns, limit))
        if not db.is_mutable:
            cache[key] = counters
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
        return counters

    async def facet_results(self):
        configs = self.get_configs()
        if not configs:
            return [], []
        columns = [item["config"].get("column") or item["config"]["simple"] for item in configs]
        try:
            counters = await self._counts(columns)
        except QueryInterrupted:
            return [], columns
        qs_pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        results = []
        for item, column, counter in zip(configs, columns, counters, strict=True):
            ordered = _ordered(counter)
            shown = ordered[:facet_size]
            expanded = {}
            if self.table:
                expanded = await self.ds.expand_foreign_keys(
                    self.database, self.table, column, [value for value, _ in shown]
                )
            results.append(
                {
                    "name": column,
                    "type": "column",
                    "hideable": item["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                    "results": [self._value(column, value, count, expanded, qs_pairs) for value, count in shown],
                    "truncated": len(ordered) > facet_size,
                }
            )
        return results, []

    def _value(self, column: str, value, count: int, expanded: dict, qs_pairs: list) -> dict:
        column_qs = f"{column}__exact" if column.startswith("_") else column
        selected = (column_qs, str(value)) in qs_pairs
        if selected:
            toggle_path = path_with_removed_args(self.request, {column_qs: str(value)})
        else:
            toggle_path = path_with_added_args(self.request, {column_qs: value})
        return {
            "value": value,
            "label": expanded.get((column, value), value),
            "count": count,
            "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
            "selected": selected,
        }
