"""Issuing bodies: name normalisation, type and level, parent, and division codes with the evidence for them.

Resolution follows PORTALS.md section 6.2: crawl context (SiteIDCode, 索引号 with a USCC prefix) and the name
itself first, then the report's own text ("三门峡经济开发区党政办公室" in sample 000). A name that fits several
divisions (城乡一体化示范区 exists four times in Henan) without evidence that picks one is marked ambiguous with
its candidates; it is never guessed. Codes come from the table shipped in archive/data/divisions.csv.

A library was considered: cpca (PyPI) extracts province/city/district from free text but has no NBS 7x zone
codes and pulls pandas + pyahocorasick; the zones are exactly the bodies our sample reports come from, so a
small registry shipped as data is both smaller and more accurate here.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from archive.schema import stable_id

DATA = Path(__file__).parent / "data" / "divisions.csv"

LEVEL_NAMES = {"province": "省", "prefecture": "市", "county": "县", "zone": "县"}
_TITLE_TAIL = re.compile(r"(关于)?((19|20)\d{2}\s*年度?)?(政府信息公开|政务公开)?(工作)?(年度)?报告.*$")
_SPACE = re.compile(r"\s+")
_ZONE_WORDS = ("开发区", "示范区", "高新区", "园区", "实验区", "聚集区", "集聚区", "新区", "产业区")


@dataclass(frozen=True)
class Division:
    code: str | None
    name: str
    level: str
    parent_code: str | None
    system: str

    @property
    def key(self) -> str:
        return self.code or f"custom:{self.name}"

    @property
    def aliases(self) -> tuple[str, ...]:
        """The name and the forms reports write it in: without the province prefix 河南, without 市 for cities."""
        names = [self.name]
        if self.name.startswith("河南") and len(self.name) > 4:
            names.append(self.name[2:])
        if self.level == "prefecture" and self.name.endswith("市"):
            names.append(self.name[:-1])
        return tuple(names)


@dataclass
class Resolution:
    name: str
    name_norm: str
    full_name: str
    body_type: str
    level: str | None
    division: Division | None
    ambiguous: bool = False
    candidates: list[str] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)


def normalise_name(name: str | None) -> str:
    """NFKC, no white space, no trailing '2023年政府信息公开工作年度报告'."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACE.sub("", text)
    return _TITLE_TAIL.sub("", text)


@cache
def divisions() -> tuple[Division, ...]:
    with DATA.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return tuple(
            Division(r["code"] or None, r["name"], r["level"], r["parent_code"] or None, r["system"]) for r in rows
        )


@cache
def _by_key() -> dict[str, Division]:
    out = {}
    for division in divisions():
        out[division.key] = division
        if division.code:
            out[division.code] = division
    return out


def division_by_code(code: str) -> Division | None:
    """The division with this 6-digit code, or the nearest enclosing one listed (prefecture, then province)."""
    table = _by_key()
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        if candidate in table:
            return table[candidate]
    return None


def ancestors(division: Division) -> list[Division]:
    """The division and every division above it, nearest first."""
    chain = [division]
    table = _by_key()
    while chain[-1].parent_code and chain[-1].parent_code in table:
        chain.append(table[chain[-1].parent_code])
    return chain


def place_names(division: Division | None) -> dict[str, str | None]:
    """province / city / county names for facets; 济源 (省直辖) counts as its own city."""
    out: dict[str, str | None] = {"province": None, "city": None, "county": None}
    if division is None:
        return out
    for item in ancestors(division):
        if item.level == "province":
            out["province"] = item.name
        elif item.level == "prefecture":
            out["city"] = item.name
        else:
            out["county"] = out["county"] or item.name
            if item.parent_code and item.parent_code.endswith("0000"):
                out["city"] = item.name
    return out


def body_type(name: str) -> str:
    if re.search(r"(乡|镇|街道|街道办事处)(人民政府)?$", name) and not name.endswith(("县人民政府", "市人民政府")):
        return "乡镇街道"
    if name.endswith(("人民政府", "政府")) and "办公" not in name[-6:]:
        return "人民政府"
    if re.search(r"(管委会|管理委员会|管理办公室|管理局)$", name) and any(w in name for w in _ZONE_WORDS):
        return "开发区管委会"
    if re.search(r"(局|委员会|委|办公室|办|中心|厅|部|院|所|站|队|处|署|会)$", name):
        return "部门"
    return "其他"


def _level(kind: str, division: Division | None) -> str | None:
    if kind == "乡镇街道":
        return "乡"
    if division is None:
        return None
    return LEVEL_NAMES.get(division.level)


def _evidence(source: str, value: str, division: Division) -> dict:
    return {"source": source, "value": value, "code": division.code, "division": division.name}


def _from_metadata(metadata: dict) -> list[dict]:
    """SiteIDCode (6-digit division + serial) and 索引号 with a USCC prefix (chars 3-8 = division)."""
    found = []
    site = str(metadata.get("SiteIDCode") or "")
    if re.fullmatch(r"\d{10}", site) and (division := division_by_code(site[:6])):
        found.append(_evidence("SiteIDCode", site, division))
    index_no = str(metadata.get("索引号") or "")
    if re.match(r"[0-9A-Z]{18}", index_no) and re.fullmatch(r"\d{6}", index_no[2:8]):
        if division := division_by_code(index_no[2:8]):
            found.append(_evidence("索引号", index_no[:18], division))
    return found


@cache
def _alias_index() -> tuple[dict[str, list[Division]], dict[str, list[Division]]]:
    """Every alias, and every zone-like tail of an alias ("城乡一体化示范区" of 焦作城乡一体化示范区), to divisions."""
    full: dict[str, list[Division]] = {}
    tails: dict[str, list[Division]] = {}
    for division in divisions():
        for alias in division.aliases:
            full.setdefault(alias, []).append(division)
            for i in range(1, len(alias) - 3):
                tail = alias[i:]
                if any(w in tail for w in _ZONE_WORDS) and division not in tails.get(tail, []):
                    tails.setdefault(tail, []).append(division)
    return full, tails


@cache
def _name_candidates(name: str) -> tuple[list[Division], list[Division]]:
    """Divisions named in full at the start of the name (the longest such names), and otherwise those whose
    name ends with the name's start."""
    full_index, tail_index = _alias_index()
    prefixes = [name[:k] for k in range(len(name), 1, -1)]
    for prefix in prefixes:
        if prefix in full_index:
            return list(full_index[prefix]), []
    partial: list[Division] = []
    for prefix in prefixes:
        partial += [d for d in tail_index.get(prefix, []) if d not in partial]
    return [], partial


def qualified_name(name: str, division: Division) -> str:
    """The name with its division in front, merging the overlap ("高新技术产业开发区管理办公室" under 济源高新…)."""
    canonical = division.aliases[-1] if division.level == "zone" else division.name
    for alias in sorted(division.aliases, key=len, reverse=True):
        if name.startswith(alias):
            return canonical + name[len(alias) :]
    for start in range(1, len(canonical)):
        if name.startswith(canonical[start:]):
            return canonical[:start] + name
    return canonical + name


def _mentions(text: str, alias: str) -> bool:
    return alias in text


def resolve(name: str | None, text: str = "", metadata: dict | None = None, title: str | None = None) -> Resolution:
    """Who issued this report, and where it sits, with every piece of evidence used."""
    name_norm = normalise_name(name) or normalise_name(title)
    evidence: list[dict] = []
    chosen: Division | None = None
    candidates: list[Division] = []

    full, partial = _name_candidates(name_norm)
    flat_text = "" if len(full) == 1 else _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))
    if len(full) == 1:
        chosen = full[0]
        evidence.append(_evidence("name", name_norm, chosen))
    elif full:  # the same name in several places (鼓楼区 is in four provinces): only the context can tell
        candidates = full
    elif partial:
        in_text = [d for d in partial if any(_mentions(flat_text, a) for a in d.aliases)]
        if len(in_text) == 1:
            chosen = in_text[0]
            evidence.append(_evidence("text", next(a for a in chosen.aliases if a in flat_text), chosen))
        else:
            candidates = in_text or partial
    else:
        for division in divisions():
            alias = next((a for a in division.aliases if name_norm and (a + name_norm) in flat_text), None)
            if alias:
                candidates.append(division)
                evidence.append(_evidence("text", alias + name_norm, division))
        if len(candidates) == 1:
            chosen, candidates = candidates[0], []

    meta_evidence = _from_metadata(metadata or {})
    evidence.extend(meta_evidence)
    if chosen is None and meta_evidence:
        meta_codes = {item["code"] for item in meta_evidence}
        if not candidates:
            chosen = _by_key()[meta_evidence[0]["code"]]
        else:
            within = [d for d in candidates if meta_codes & {a.code for a in ancestors(d)}]
            if len(within) == 1:
                chosen, candidates = within[0], []

    kind = body_type(name_norm)
    full_name = name_norm
    if chosen is not None and (kind != "人民政府" or any(name_norm.startswith(a) for a in chosen.aliases)):
        full_name = qualified_name(name_norm, chosen)
    return Resolution(
        name=name or name_norm,
        name_norm=name_norm,
        full_name=full_name,
        body_type=kind,
        level=_level(kind, chosen),
        division=chosen,
        ambiguous=chosen is None and len(candidates) > 1,
        candidates=sorted({d.key for d in candidates}) if chosen is None else [],
        evidence=evidence,
    )


def parent_body(resolution: Resolution) -> tuple[str, Division] | None:
    """The body above a department: its division's government (or a zone's administration)."""
    division = resolution.division
    if division is None or resolution.body_type in ("人民政府",):
        return None
    if resolution.body_type == "开发区管委会" and division.level == "zone":
        parent = ancestors(division)[1] if len(ancestors(division)) > 1 else None
        return (parent.name + "人民政府", parent) if parent else None
    if division.level == "zone":
        return (division.aliases[-1] + "管理委员会", division)
    return (division.name + "人民政府", division)


def body_id_for(full_name: str, division: Division | None) -> int:
    return stable_id("body", division.key if division else "", full_name)


def evidence_json(items: list[dict]) -> str:
    """Evidence as canonical JSON: sorted and de-duplicated, so re-loading in any order gives the same text."""
    unique = {json.dumps(item, ensure_ascii=False, sort_keys=True) for item in items}
    return json.dumps([json.loads(item) for item in sorted(unique)], ensure_ascii=False)
