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

Under a search that matches a large share of the table, even one pass is slow if it looks the matches up by rowid:
a report row keeps its text, or up to ~4 KB of it, in its b-tree leaf (10,000 reports fill 5,674 leaf pages of
4 KB, or 8,463 of the loader's 16 KB), so every match costs a leaf page. The table has one index holding every
facet column (archive/schema.py, REPORT_FACETS), and when the search matches more than 1/SCAN_BELOW_SHARE of the
rows the pass writes Datasette's search clause as
`+rowid in (select rowid from <fts> ...)`: the same condition, which the planner can no longer use as a rowid
lookup, so it scans that covering index (142 leaf pages at 10,000 reports) and tests each rowid against the list
of matches (EXPLAIN QUERY PLAN: `SCAN reports USING COVERING INDEX ...` + `LIST SUBQUERY`). Other filters keep
their own indexes: the planner still chooses. Measured at 10,000 reports (python sqlite3, one word in every
report): 22-46 ms by rowid, 7 ms from the index; the rowid lookups win below about 6 % of the table.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, OrderedDict
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode
from weakref import WeakKeyDictionary

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_removed_args, sqlite_timelimit

TYPE = "single_pass"
CACHE_SIZE = 512
SCAN_BELOW_SHARE = 16  # scan the covering index when more than 1/16 of the rows match (crossover ~6 %)
_caches: WeakKeyDictionary = WeakKeyDictionary()  # per Datasette instance: OrderedDict of query -> counters
_tables: WeakKeyDictionary = WeakKeyDictionary()  # per Datasette instance: (db, table, columns) -> TableFacts
_SEARCH_LOOKUP = re.compile(r"(?<![\w+.\]\"`])rowid in \(select rowid from ")


def _ordered(counter: Counter) -> list[tuple[object, int]]:
    """Values by count descending, then value, as Datasette's `order by count desc, value` (numbers before text)."""
    return sorted(counter.items(), key=lambda item: (-item[1], isinstance(item[0], str), item[0]))


def as_index_scan(sql: str) -> str:
    """Datasette's search clause (`rowid in (select rowid from <fts> where ... match ...)`) as `+rowid in (...)`:
    the same rows, but the planner may no longer seek each match by rowid and picks an index to scan instead."""
    return _SEARCH_LOOKUP.sub("+rowid in (select rowid from ", sql)


def _absolute(ds, request, origin: str, path: str) -> str:
    path = str(path)  # not Datasette's PrefixedUrlString, whose every method call runs dir(str)
    if path.startswith("/") and not path.startswith("//"):
        return origin + path
    return ds.absolute_url(request, path)


class TableFacts(NamedTuple):
    covered: bool  # one index holds every facet column
    rows: int
    foreign_keys: frozenset[str]  # columns whose values have labels in another table


def table_facts(conn, table: str, columns: list[str]) -> TableFacts:
    """Whether one index of `table` holds all `columns`, how many rows it has, and its foreign-key columns."""
    quoted = escape_sqlite(table)
    covered = any(
        set(columns) <= {info[2] for info in conn.execute(f"pragma index_info({escape_sqlite(index[1])})")}
        for index in conn.execute(f"pragma index_list({quoted})")
    )
    rows = conn.execute(f"select count(*) from {quoted}").fetchone()[0]
    return TableFacts(covered, rows, frozenset(fk[3] for fk in conn.execute(f"pragma foreign_key_list({quoted})")))


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

    async def _table_facts(self, db, columns: list[str]) -> TableFacts:
        key = (self.database, db.path, self.table, tuple(columns))
        facts = _tables.setdefault(self.ds, {})
        if db.is_mutable or key not in facts:
            facts[key] = await db.execute_fn(lambda conn: table_facts(conn, self.table, columns))
        return facts[key]

    async def _counts(self, db, columns: list[str], facts: TableFacts | None) -> list[Counter]:
        params = tuple(sorted(self.params.items())) if isinstance(self.params, dict) else tuple(self.params)
        key = (self.database, db.path, self.sql, params, tuple(columns))
        cache = _caches.setdefault(self.ds, OrderedDict())
        if not db.is_mutable and key in cache:
            cache.move_to_end(key)
            return cache[key]
        limit = self.ds.setting("facet_time_limit_ms")
        many = facts is not None and (self.row_count is None or self.row_count * SCAN_BELOW_SHARE > facts.rows)
        sql = as_index_scan(self.sql) if many and facts.covered else self.sql
        counters = await db.execute_fn(lambda conn: count_columns(conn, sql, self.params, columns, limit))
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
        db = self.ds.get_database(self.database)
        facts = await self._table_facts(db, columns) if self.table else None
        try:
            counters = await self._counts(db, columns, facts)
        except QueryInterrupted:
            return [], columns
        qs_pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        origin = self.ds.absolute_url(self.request, "/").removesuffix("/")
        page_args = parse_qsl(self.request.query_string)
        results = []
        for item, column, counter in zip(configs, columns, counters, strict=True):
            ordered = _ordered(counter)
            shown = ordered[:facet_size]
            expanded = {}
            if facts and column in facts.foreign_keys:  # Datasette's facet asks for every column: a query each
                expanded = await self.ds.expand_foreign_keys(
                    self.database, self.table, column, [value for value, _ in shown]
                )
            results.append(
                {
                    "name": column,
                    "type": "column",
                    "hideable": item["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                    "results": [
                        self._value(column, value, count, expanded, qs_pairs, page_args, origin)
                        for value, count in shown
                    ],
                    "truncated": len(ordered) > facet_size,
                }
            )
        return results, []

    def _value(
        self, column: str, value, count: int, expanded: dict, qs_pairs: list, page_args: list, origin: str
    ) -> dict:
        """One facet value as Datasette gives it. Its absolute toggle URL is this page's origin + the path (what
        Datasette's absolute_url makes of a path, without a urljoin per value: 8 facets x 30 values a page)."""
        column_qs = f"{column}__exact" if column.startswith("_") else column
        selected = (column_qs, str(value)) in qs_pairs
        if selected:
            toggle_path = path_with_removed_args(self.request, {column_qs: str(value)})
        else:  # path_with_added_args without parsing the query string again for every value
            toggle_path = f"{self.request.path}?{urlencode([*page_args, (column_qs, value)])}"
        return {
            "value": value,
            "label": expanded.get((column, value), value),
            "count": count,
            "toggle_url": _absolute(self.ds, self.request, origin, self.ds.urls.path(toggle_path)),
            "selected": selected,
        }
