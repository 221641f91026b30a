"""Choose each OCR cell's value from several engines' readings, and say which values nobody can vouch for.

Every engine's text is parsed into cells separately; here they meet. For each cell:

* the engines that read it agree → that value is the only candidate;
* they disagree → every value read is a candidate; one engine alone read it → its value is the candidate.

The template's identities (H1–H4, declared in extract/templates/<id>.json, expanded here into one equation
per row or column) then narrow the candidates: a candidate survives only if some choice of the other
candidates in that equation makes it hold (repeated until nothing changes, so a row and a column that cross
at a doubtful cell both have their say). An equation no choice can satisfy — a misread on both engines, a
missing cell, or a report whose own numbers do not add up — narrows nothing: numbers are never "corrected"
towards an identity, and no value is derived that no engine read.

The gate: no OCR cell silently wrong. A misread cell breaks every equation it is in, so it sits where a
failing row equation (H3, H4) crosses a failing column equation (H1, H2): that crossing is a *suspect*, and
a failure that contains a suspect is explained by it. A cell is confirmed when an equation it takes part
in holds, it is not a suspect, and every failing equation it is in is explained by a suspect. The last
condition catches what a row equation alone cannot: a whole row read into the wrong row still adds up
across, but breaks the columns with no suspect to blame, so every cell of those columns stays unconfirmed.
Cells that no identity covers (the 第二十条 table) are confirmed when at least two engines read the same
value. What identities cannot see is two rows' values exchanged (every sum is unchanged), so a cell whose
label the parser matched only loosely (its `uncertain` flag) in every reading that gave the chosen value
stays uncertain however the sums come out. Every other cell is `uncertain: true` with a warning that lists
each engine's reading. Every cell returned says `method: "ocr"`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from extract.template import Template, load_template

CellKey = tuple[str, str, str]  # (table, row, col) with the declaration's labels
MAX_COMBINATIONS = 4096  # an equation with more open choices than this narrows nothing


@dataclass(frozen=True)
class Equation:
    """One instance of an identity: sum(terms) == sum(equals), over concrete cells."""

    rule: str
    each: str  # "col": the equation runs down a column (over rows); "row": across a row
    terms: tuple[CellKey, ...]
    equals: tuple[CellKey, ...]

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return self.terms + self.equals

    def holds(self, values: dict[CellKey, float]) -> bool | None:
        """True/False with these values; None when a cell is missing."""
        if any(key not in values for key in self.cells):
            return None
        return _close(sum(values[k] for k in self.terms), sum(values[k] for k in self.equals))


@dataclass
class Arbitration:
    cells: list[dict]
    warnings: list[dict] = field(default_factory=list)
    disagreements: int = 0
    single_readings: int = 0


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def equations(template: Template) -> list[Equation]:
    """The template's identities expanded into one equation per column ("each": "col") or row ("each": "row")."""
    out = []
    for identity in template.identities:
        table = template.tables[identity.table]
        rows = {row.key: row.label for row in table.rows}
        cols = {col.key: col.label for col in table.cols}
        if identity.each == "col":
            for col in cols.values():
                out.append(
                    Equation(
                        identity.id,
                        identity.each,
                        tuple((identity.table, rows[k], col) for k in identity.sum),
                        tuple((identity.table, rows[k], col) for k in identity.equals),
                    )
                )
        else:
            for row in rows.values():
                out.append(
                    Equation(
                        identity.id,
                        identity.each,
                        tuple((identity.table, row, cols[k]) for k in identity.sum),
                        tuple((identity.table, row, cols[k]) for k in identity.equals),
                    )
                )
    return out


def _key(cell: dict) -> CellKey:
    return (cell["table"], cell["row"], cell["col"])


def _candidates(readings: dict[str, list[dict]]) -> dict[CellKey, list[float]]:
    """Each cell's distinct values, in the order of the engines' preference."""
    candidates: dict[CellKey, list[float]] = {}
    for cells in readings.values():
        for cell in cells:
            values = candidates.setdefault(_key(cell), [])
            if not any(_close(cell["value"], v) for v in values):
                values.append(cell["value"])
    return candidates


def narrow(candidates: dict[CellKey, list[float]], eqs: Iterable[Equation]) -> dict[CellKey, list[float]]:
    """Drop candidates no satisfying choice of an equation uses; repeat until nothing changes."""
    current = {key: list(values) for key, values in candidates.items()}
    eqs = list(eqs)
    changed = True
    while changed:
        changed = False
        for eq in eqs:
            if any(key not in current for key in eq.cells):
                continue
            open_keys = [k for k in dict.fromkeys(eq.cells) if len(current[k]) > 1]
            if not open_keys:
                continue
            survivors = _satisfying_values(eq, current, open_keys)
            if survivors is None:
                continue
            for key in open_keys:
                kept = [v for v in current[key] if any(_close(v, s) for s in survivors[key])]
                if len(kept) < len(current[key]):
                    current[key] = kept
                    changed = True
    return current


def _satisfying_values(
    eq: Equation, current: dict[CellKey, list[float]], open_keys: list[CellKey]
) -> dict[CellKey, set[float]] | None:
    """For each open cell, the values it takes in some choice that makes `eq` hold (None: no such choice)."""
    if _product(len(current[k]) for k in open_keys) > MAX_COMBINATIONS:
        return None
    fixed = {k: current[k][0] for k in eq.cells if k not in open_keys}
    survivors: dict[CellKey, set[float]] = {k: set() for k in open_keys}
    for combo in itertools.product(*(current[k] for k in open_keys)):
        values = {**fixed, **dict(zip(open_keys, combo, strict=True))}
        if eq.holds(values):
            for key, value in zip(open_keys, combo, strict=True):
                survivors[key].add(value)
    return survivors if any(survivors.values()) else None


def _product(numbers: Iterable[int]) -> int:
    total = 1
    for n in numbers:
        total *= n
    return total


def confirmed_cells(eqs: list[Equation], values: dict[CellKey, float]) -> set[CellKey]:
    """Cells the identities vouch for (see the module docstring: holding equations, suspects, explained failures)."""
    outcome = {eq: eq.holds(values) for eq in eqs}
    failing = [eq for eq, holds in outcome.items() if holds is False]
    failing_in = {each: {key for eq in failing if eq.each == each for key in eq.cells} for each in ("row", "col")}
    suspects = failing_in["row"] & failing_in["col"]
    unexplained = {key for eq in failing if not suspects & set(eq.cells) for key in eq.cells}
    held = {key for eq, holds in outcome.items() if holds for key in eq.cells}
    return held - suspects - unexplained


def arbitrate(readings: dict[str, list[dict]], template_id: str) -> Arbitration:
    """One cell list from several engines' cells (`readings`: engine → cells, most trusted engine first)."""
    template = load_template(template_id)
    eqs = equations(template)
    candidates = _candidates(readings)
    chosen = {key: values[0] for key, values in narrow(candidates, eqs).items()}
    covered = {key for eq in eqs for key in eq.cells}
    confirmed = confirmed_cells(eqs, chosen)
    by_engine = {engine: {_key(cell): cell for cell in cells} for engine, cells in readings.items()}

    result = Arbitration(cells=[])
    for spec in template.cells:
        key = (spec.table, spec.row, spec.col)
        if key not in chosen:
            continue
        seen = {engine: cells[key]["value"] for engine, cells in by_engine.items() if key in cells}
        agreed = len(seen) >= 2 and all(_close(v, chosen[key]) for v in seen.values())
        if len(candidates[key]) > 1:
            result.disagreements += 1
        if len(seen) == 1:
            result.single_readings += 1
        readers = [c[key] for c in by_engine.values() if key in c and _close(c[key]["value"], chosen[key])]
        weak_label = all(cell.get("uncertain", False) for cell in readers)
        sure = not weak_label and (key in confirmed or (key not in covered and agreed))
        result.cells.append({**readers[0], "value": chosen[key], "method": "ocr", "uncertain": not sure})
        if not sure:
            result.warnings.append(_uncertain_warning(key, seen, chosen[key], covered, weak_label))
    return result


def _uncertain_warning(key: CellKey, seen: dict[str, float], value: float, covered: set[CellKey],
                       weak_label: bool) -> dict:
    table, row, col = key
    if weak_label:
        why = "its row or column label was matched only loosely"
    elif key in covered:
        why = "no identity that includes it holds"
    elif len(seen) == 1:
        why = f"only {next(iter(seen))} read it and no identity covers it"
    else:
        why = "the engines do not agree and no identity covers it"
    readings = ", ".join(f"{engine} {v:g}" for engine, v in seen.items())
    return {
        "code": "ocr_uncertain",
        "message": f"OCR value {value:g} for {table} / {row} / {col} is unconfirmed: {why} (read: {readings})",
        "table": table,
        "row": row,
        "col": col,
        "readings": seen,
    }
