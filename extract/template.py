"""The report templates, declared once as data.

`extract/templates/<id>.json` declares each template: its six sections, its three statistics tables
(each a list of blocks of rows x columns, with official labels, known label variants, stable English
keys, value types and units) and its accounting identities (sums over named rows or columns).
The parser matches labels from this declaration, the checks evaluate its identities, and the archive
builds its schema and Datasette metadata from it. A new template is a new JSON file, not new code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"
TABLE_NAMES = ("art20", "applications", "review_litigation")


@dataclass(frozen=True)
class Label:
    """A row or column: the official label, its stable key and the other ways reports write it."""

    label: str
    key: str
    variants: tuple[str, ...] = ()
    value_type: str | None = None


@dataclass(frozen=True)
class Block:
    """A rectangle of cells: every row of the block has every column of the block."""

    key: str
    rows: tuple[Label, ...]
    cols: tuple[Label, ...]
    item: str | None = None
    value_type: str = "integer"
    unit: str | None = None


@dataclass(frozen=True)
class Cell:
    """One cell of the template: its official labels (the cell names of the report model) and keys."""

    table: str
    row: str
    col: str
    row_key: str
    col_key: str
    value_type: str
    unit: str | None
    item: str | None

    @property
    def key(self) -> str:
        return f"{self.row_key}.{self.col_key}"


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    title: str
    section: int
    blocks: tuple[Block, ...]

    @property
    def cells(self) -> list[Cell]:
        out = []
        for block in self.blocks:
            for row in block.rows:
                for col in block.cols:
                    out.append(
                        Cell(
                            table=self.name,
                            row=row.label,
                            col=col.label,
                            row_key=row.key,
                            col_key=col.key,
                            value_type=col.value_type or row.value_type or block.value_type,
                            unit=block.unit,
                            item=block.item,
                        )
                    )
        return out

    @property
    def rows(self) -> list[Label]:
        return [row for block in self.blocks for row in block.rows]

    @property
    def cols(self) -> list[Label]:
        seen: dict[str, Label] = {}
        for block in self.blocks:
            for col in block.cols:
                seen.setdefault(col.key, col)
        return list(seen.values())


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    heading: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Identity:
    """A hard accounting identity (勾稽关系): for each row or column, sum(sum) == sum(equals).

    `each` says what the identity ranges over: "col" means the listed keys are row keys and the
    identity holds in every column of the table; "row" means they are column keys and it holds in
    every row.
    """

    id: str
    table: str
    each: str
    sum: tuple[str, ...]
    equals: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    detect_any: tuple[str, ...]
    sections: tuple[Section, ...]
    tables: dict[str, Table] = field(hash=False)
    identities: tuple[Identity, ...] = ()

    @property
    def cells(self) -> list[Cell]:
        return [cell for name in TABLE_NAMES for cell in self.tables[name].cells]

    def cell(self, table: str, row: str, col: str) -> Cell:
        for cell in self.tables[table].cells:
            if cell.row == row and cell.col == col:
                return cell
        raise KeyError((table, row, col))


def _label(data: dict) -> Label:
    return Label(
        label=data["label"],
        key=data["key"],
        variants=tuple(data.get("variants", ())),
        value_type=data.get("value_type"),
    )


def _table(name: str, data: dict) -> Table:
    blocks = tuple(
        Block(
            key=b["key"],
            item=b.get("item"),
            rows=tuple(_label(r) for r in b["rows"]),
            cols=tuple(_label(c) for c in b["cols"]),
            value_type=b.get("value_type", "integer"),
            unit=b.get("unit"),
        )
        for b in data["blocks"]
    )
    return Table(name=name, key=data["key"], title=data["title"], section=data["section"], blocks=blocks)


def parse_template(data: dict) -> Template:
    return Template(
        id=data["id"],
        name=data["name"],
        detect_any=tuple(data["detect"]["any_of"]),
        sections=tuple(
            Section(s["number"], s["key"], s["heading"], tuple(s.get("variants", ()))) for s in data["sections"]
        ),
        tables={name: _table(name, data["tables"][name]) for name in TABLE_NAMES},
        identities=tuple(
            Identity(i["id"], i["table"], i["each"], tuple(i["sum"]), tuple(i["equals"]), i["description"])
            for i in data["identities"]
        ),
    )


@cache
def load_template(template_id: str) -> Template:
    """The template declared in templates/<template_id>.json ("2021" or "2019")."""
    path = TEMPLATES_DIR / f"{template_id}.json"
    return parse_template(json.loads(path.read_text(encoding="utf-8")))


def all_templates() -> list[Template]:
    """Every declared template, newest first."""
    return list(_all_templates())


@cache
def _all_templates() -> tuple[Template, ...]:
    ids = sorted((p.stem for p in TEMPLATES_DIR.glob("*.json")), reverse=True)
    return tuple(load_template(i) for i in ids)
