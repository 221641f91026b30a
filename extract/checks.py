"""The template's hard accounting identities (勾稽关系), evaluated on the cells as found.

Each declared identity ranges over the columns (`each: col`: the listed keys are rows, the identity
holds in every column) or the rows (`each: row`) of its table; every instance becomes one check with
the numbers on both sides. Numbers are never corrected: a failed check is a finding about the
report (or the extraction), and the cells stay as read. An instance with a missing cell is not
evaluated (a warning says which). Soft findings — the narrative quoting other numbers than the
table — are warnings, never checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from extract.template import Identity, Template

TOLERANCE = 1e-6
# "共办理依申请公开件 51 件", "全年共处理依申请公开件数 3件", "共受理政府信息公开依申请公开 3 件",
# "共收到政府信息公开申请 12 件"
_NARRATIVE_APPLICATIONS = re.compile(
    r"(?:共|全年|总计)\s*(?:办理|受理|处理|收到|接收)[^。；，,\d]{0,20}?(?:依申请|申请)[^。；，,\d]{0,12}?"
    r"(\d[\d,]*)\s*(?:件|个|条)"
)
# "被申请行政复议 2 件", "未发生因政府信息公开引发的行政复议"
_NARRATIVE_REVIEW = re.compile(r"行政复议[^。；，,\d]{0,8}?(\d+)\s*(?:件|起|宗)")
_NO_REVIEW = re.compile(r"(?:未发生|没有发生|无)[^。；]{0,20}?行政复议")


CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class Instance:
    """One instance of an identity: the identity along one column (or row), with its cells."""

    identity: Identity
    along: str
    terms: tuple[tuple[str, CellKey], ...]  # (label the term is named by, cell)
    equals: tuple[tuple[str, CellKey], ...]


_INSTANCES: dict[str, list[Instance]] = {}


def instances(template: Template) -> list[Instance]:
    """Every instance of every identity of a template (computed once per template)."""
    if template.id not in _INSTANCES:
        _INSTANCES[template.id] = [inst for identity in template.identities for inst in _expand(template, identity)]
    return _INSTANCES[template.id]


def _expand(template: Template, identity: Identity) -> list[Instance]:
    table = template.tables[identity.table]
    named = {label.key: label.label for label in (table.rows if identity.each == "col" else table.cols)}
    over = table.cols if identity.each == "col" else table.rows

    def cell(label: str, along: str) -> CellKey:
        return (identity.table, label, along) if identity.each == "col" else (identity.table, along, label)

    return [
        Instance(identity, along.label,
                 tuple((named[k], cell(named[k], along.label)) for k in identity.sum),
                 tuple((named[k], cell(named[k], along.label)) for k in identity.equals))
        for along in over
    ]


Prepared = tuple[str, Callable[[Any], tuple], tuple[str, ...], int, dict]


@dataclass(frozen=True)
class _Prepared:
    """A template's instances made ready once, each as (identity id, getter of its cells' numbers, their labels,
    how many are terms, the check's constant fields): a check is a copy of its prepared fields (far cheaper than a
    dict display of eight keys) with its numbers filled in. The getters of `by_key` read a dict of values by
    (table, row, col); those of `by_position` read the list of values of cells in the template's order (`order`:
    its tables, rows and columns), which parsers give: no tuple made and hashed for each cell and each term.
    `narrative`: where, in that order, the narrative check's totals are (`_narrative_positions`)."""

    by_key: tuple[Prepared, ...]
    by_position: tuple[Prepared, ...]
    order: tuple[list[str], list[str], list[str]]
    narrative: tuple[int | None, ...]


_PREPARED: dict[str, _Prepared] = {}
_TABLE, _ROW, _COL, _VALUE = itemgetter("table"), itemgetter("row"), itemgetter("col"), itemgetter("value")


def _prepared(template: Template) -> _Prepared:
    if template.id not in _PREPARED:
        cells = template.cells
        position = {(cell.table, cell.row, cell.col): index for index, cell in enumerate(cells)}
        order = ([cell.table for cell in cells], [cell.row for cell in cells], [cell.col for cell in cells])
        insts = instances(template)
        _PREPARED[template.id] = _Prepared(tuple(_prepare(inst, None) for inst in insts),
                                           tuple(_prepare(inst, position) for inst in insts), order,
                                           _narrative_positions(template, position))
    return _PREPARED[template.id]


def _prepare(inst: Instance, position: dict[CellKey, int] | None) -> Prepared:
    keys = tuple(key if position is None else position[key] for _, key in inst.terms + inst.equals)
    getter = itemgetter(*keys) if len(keys) > 1 else lambda values, key=keys[0]: (values[key],)
    identity = inst.identity
    fields = {"rule": identity.id, "table": identity.table, "over": inst.along, "description": identity.description,
              "holds": None, "lhs": None, "rhs": None, "terms": None}
    return identity.id, getter, tuple(label for label, _ in inst.terms + inst.equals), len(inst.terms), fields


def _in_order(cells: list[dict], order: tuple[list[str], list[str], list[str]]) -> bool:
    """Whether the cells are the template's, each once, in its order."""
    tables, rows, cols = order
    return (len(cells) == len(rows) and list(map(_ROW, cells)) == rows and list(map(_COL, cells)) == cols
            and list(map(_TABLE, cells)) == tables)


def statistics(template: Template, cells: list[dict], overview: str) -> tuple[list[dict], list[dict], list[dict]]:
    """`evaluate`'s checks and warnings, and `narrative_warnings`, the cells' order checked once for both."""
    in_order = _in_order(cells, _prepared(template).order)
    checks, warnings = _evaluate(template, cells, in_order)
    return checks, warnings, _narrative_warnings(template, cells, overview, in_order)


def evaluate(template: Template, cells: list[dict]) -> tuple[list[dict], list[dict]]:
    """Checks for every instance of every identity whose cells are all present, and warnings for the rest."""
    return _evaluate(template, cells, _in_order(cells, _prepared(template).order))


def _evaluate(template: Template, cells: list[dict], in_order: bool) -> tuple[list[dict], list[dict]]:
    prepared = _prepared(template)
    values: list | dict
    if in_order:
        values, instances_ready = list(map(_VALUE, cells)), prepared.by_position
    else:
        values, instances_ready = {(c["table"], c["row"], c["col"]): c["value"] for c in cells}, prepared.by_key
    checks: list[dict] = []
    skipped: set[str] = set()
    count = 0
    for identity_id, getter, labels, split, fields in instances_ready:
        try:
            numbers = getter(values)
        except KeyError:
            skipped.add(identity_id)
            count += 1
            continue
        lhs = sum(numbers[:split])
        rhs = sum(numbers[split:])
        check = fields.copy()
        check["holds"] = abs(lhs - rhs) <= TOLERANCE
        check["lhs"] = lhs
        check["rhs"] = rhs
        check["terms"] = dict(zip(labels, numbers))  # noqa: B905 (same length by construction; strict= parses a keyword)
        checks.append(check)
    warnings = []
    if count and cells:
        warnings.append({"code": "check_incomplete", "count": count, "rules": sorted(skipped),
                         "message": f"{count} identity instances not evaluated: cells missing"})
    return checks, warnings


_NARRATIVE_LABELS: dict[str, tuple[str, dict[str, str], str | None]] = {}


def _narrative_labels(template: Template) -> tuple[str, dict[str, str], str | None]:
    """(table 三's total column, its row labels by key, table 四's review total column), once per template."""
    if template.id not in _NARRATIVE_LABELS:
        applications = template.tables["applications"]
        review_col = next((c.label for c in template.tables["review_litigation"].cols if c.key == "review.total"),
                          None)
        _NARRATIVE_LABELS[template.id] = (applications.cols[-1].label,
                                          {row.key: row.label for row in applications.rows}, review_col)
    return _NARRATIVE_LABELS[template.id]


def _narrative_positions(template: Template, position: dict[CellKey, int]) -> tuple[int | None, ...]:
    """Where, in the template's order of cells (`position`), table 三's new, carried-over and processed totals are
    (the last cell of each, as a dict keeps it), and table 四's first review total; None for what it lacks."""
    total_col, rows, review_col = _narrative_labels(template)
    totals = tuple(position.get(("applications", rows.get(key, ""), total_col))
                   for key in ("new_received", "carried_over", "total_processed"))
    review = min((index for (table, _, col), index in position.items()
                  if table == "review_litigation" and col == review_col), default=None)
    return (*totals, review)


def narrative_warnings(template: Template, cells: list[dict], overview: str) -> list[dict]:
    """Soft check: an application count quoted in the overview that matches no total of table 三, and the
    overview's administrative-review count (or "no review") against table 四's total. The cells are read only
    when the overview quotes something to compare."""
    return _narrative_warnings(template, cells, overview, None)


def _narrative_warnings(template: Template, cells: list[dict], overview: str, in_order: bool | None) -> list[dict]:
    """`in_order`: whether the cells are the template's in its order (None: not known yet)."""
    quoted = list(_NARRATIVE_APPLICATIONS.finditer(overview))
    reviews = [int(m.group(1)) for m in _NARRATIVE_REVIEW.finditer(overview)]
    if _NO_REVIEW.search(overview):
        reviews.append(0)
    if not quoted and not reviews:
        return []
    if in_order is None:
        in_order = _in_order(cells, _prepared(template).order)
    new, carried, processed, review_total = (_totals_in_order if in_order else _totals)(template, cells)
    if new is None:
        return []
    allowed = {new, processed, new + (carried or 0)} - {None}
    warnings = _review_warnings(review_total, reviews)
    for match in quoted:
        count = int(match.group(1).replace(",", ""))
        if count not in allowed:
            warnings.append({"code": "narrative_mismatch", "about": "依申请公开", "quoted": count,
                             "text": match.group(0),
                             "table_total": new,
                             "message": f"the text says {match.group(0)!r} but table 三 has {new} new applications"})
    return warnings


def _totals_in_order(template: Template, cells: list[dict]) -> tuple:
    """(new, carried-over, processed, review total) of cells in the template's order: read where they are."""
    return tuple(None if index is None else cells[index]["value"] for index in _prepared(template).narrative)


def _totals(template: Template, cells: list[dict]) -> tuple:
    """(new, carried-over, processed, review total) of any cells: table 三's totals (the last of each) and
    table 四's first review total, in one pass."""
    total_col, rows, review_col = _narrative_labels(template)
    totals: dict[str, int | float] = {}
    review_total: int | float | None = None
    review_found = False
    for c in cells:
        table = c["table"]
        if table == "applications":
            if c["col"] == total_col:
                totals[c["row"]] = c["value"]
        elif table == "review_litigation" and not review_found and c["col"] == review_col:
            review_total, review_found = c["value"], True
    return (totals.get(rows.get("new_received", "")), totals.get(rows.get("carried_over", "")),
            totals.get(rows.get("total_processed", "")), review_total)


def _review_warnings(total: int | float | None, quoted: list[int]) -> list[dict]:
    """Soft check: the administrative-review counts the overview quotes (0 for "no review") against table 四's
    total."""
    if total is None:
        return []
    return [
        {"code": "narrative_mismatch", "quoted": q, "table_total": total, "about": "行政复议",
         "message": f"the text speaks of {q} administrative reviews but table 四 has {total}"}
        for q in dict.fromkeys(quoted) if q != total
    ]
