"""Cell values: what counts as a number in a statistics table, and what stands for "no value".

Reports write numbers with thousands separators ("1,234"), decimals ("642.46", the fee in 万元),
signs ("+1036" in the 2019 format's 本年增/减) and sometimes a unit inside the cell ("251000元").
"/", "—", "-", "无" or an empty cell mean "not applicable" or "not filled in": the cell is absent,
never 0 — zeros are data and only a written 0 is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from extract.normalize import to_halfwidth

_NUMBER = re.compile(r"^(?P<num>[+\-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>万元|元|件|条|个|项|次|人)?$")
ABSENT_MARKERS = {
    "": "blank",
    "/": "not_applicable",
    "\\": "not_applicable",
    "-": "dash",
    "--": "dash",
    "—": "dash",
    "——": "dash",
    "–": "dash",
    "―": "dash",
    "…": "dash",
    "无": "none_written",
    "空": "blank",
}


@dataclass(frozen=True)
class Value:
    """A value cell as found: its number (None when absent), why it is absent, and a unit written in it."""

    raw: str
    number: int | float | None
    absent_reason: str | None = None
    unit: str | None = None
    not_integer: bool = False


def _tidy(text: str) -> str:
    return to_halfwidth(text).replace("\u00a0", " ").replace(" ", "").replace("，", ",").strip()


@lru_cache(maxsize=65536)
def is_value(text: str) -> bool:
    """Whether a token or cell is a value cell: a number or a sign standing for no value."""
    tidy = _tidy(text)
    return tidy in ABSENT_MARKERS or bool(_NUMBER.match(tidy))


@lru_cache(maxsize=65536)
def parse_value(text: str, value_type: str = "integer") -> Value:
    """The value a cell holds, typed as the declaration says (integer, signed_integer or decimal)."""
    tidy = _tidy(text)
    if tidy in ABSENT_MARKERS:
        return Value(raw=text, number=None, absent_reason=ABSENT_MARKERS[tidy])
    match = _NUMBER.match(tidy)
    if not match:
        return Value(raw=text, number=None, absent_reason="not_a_number")
    digits = match.group("num").replace(",", "").lstrip("+")
    try:
        number = Decimal(digits)
    except InvalidOperation:
        return Value(raw=text, number=None, absent_reason="not_a_number")
    unit = match.group("unit")
    if value_type == "decimal":
        return Value(raw=text, number=float(number), unit=unit)
    if number == number.to_integral_value():
        return Value(raw=text, number=int(number), unit=unit)
    return Value(raw=text, number=float(number), unit=unit, not_integer=True)
