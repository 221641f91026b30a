"""Synthetic report-model records, generated from the template declaration (for the tests and bench/archive.py).

Every record has all of its template's cells with random numbers that satisfy the declared identities (unless
asked to break one), the checks the extractor would write for them, sections, and a full text that wraps lines
mid-word the way PDF text does, so search has to work across line breaks.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from extract.template import Identity, Template, load_template

SENTENCES = (
    "{body}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。",
    "全年通过门户网站主动公开政府信息{n}条，微信公众号发布信息{m}条。",
    "本年度共受理依申请公开件{k}件，均在法定时限内办结。",
    "因政府信息公开工作被申请行政复议{r}件，提起行政诉讼{s}件。",
    "{body}严格按照《国务院办公厅关于印发政府信息公开信息处理费管理办法的通知》要求，未收取信息处理费。",
    "存在的主要问题是公开内容的深度和广度还有待提升，下一步将加强培训。",
    "对重点领域信息公开栏目做了进一步细分和完善，使群众更加方便进行查阅。",
    "严格执行保密审查制度，确保公开信息准确、规范、及时。",
)
HEADINGS = {
    "2021": (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ),
    "2019": (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、政府信息公开工作存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ),
}
SECTION_KEYS = ("overview", "proactive", "applications", "review_litigation", "problems", "other")


def wrap(text: str, width: int = 40) -> str:
    """Hard-wrap every `width` characters, mid-word, as pdftotext does."""
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


@dataclass
class Values:
    """Cell values keyed (table, row_key, col_key)."""

    data: dict

    def get(self, table: str, row: str, col: str):
        return self.data.get((table, row, col), 0)


def _applications(template: Template, rng: random.Random) -> dict:
    table = template.tables["applications"]
    rows = [r.key for r in table.rows]
    cols = [c.key for c in table.cols]
    outcomes = rows[2:-2]
    out = {}
    for col in cols[:-1]:
        for row in outcomes:
            out[(row, col)] = rng.choice((0, 0, 0, 1, 2, 5)) if col != "natural_person" else rng.randint(0, 30)
        total = sum(out[(row, col)] for row in outcomes)
        carried_over = rng.randint(0, min(total, 3))
        carried_forward = rng.randint(0, 3)
        out[("total_processed", col)] = total
        out[("carried_over", col)] = carried_over
        out[("carried_forward", col)] = carried_forward
        out[("new_received", col)] = total + carried_forward - carried_over
    for row in rows:
        out[(row, cols[-1])] = sum(out[(row, c)] for c in cols[:-1])
    return out


def _review(template: Template, rng: random.Random) -> dict:
    out = {}
    for col in template.tables["review_litigation"].cols:
        if not col.key.endswith(".total"):
            out[("all", col.key)] = rng.choice((0, 0, 0, 1, 2))
    for block in ("review", "lit_direct", "lit_after_review"):
        out[("all", f"{block}.total")] = sum(
            out[("all", f"{block}.{p}")] for p in ("upheld", "corrected", "other", "pending")
        )
    return out


def make_values(template: Template, rng: random.Random) -> dict:
    values = {}
    for cell in template.tables["art20"].cells:
        if cell.value_type == "decimal":
            values[("art20", cell.row_key, cell.col_key)] = round(rng.uniform(0, 500), 4)
        else:
            values[("art20", cell.row_key, cell.col_key)] = rng.randint(0, 300)
    values.update({("applications", r, c): v for (r, c), v in _applications(template, rng).items()})
    values.update({("review_litigation", r, c): v for (r, c), v in _review(template, rng).items()})
    return values


def evaluate(template: Template, identity: Identity, values: dict) -> list[dict]:
    """The checks of one identity, as the report model writes them."""
    table = template.tables[identity.table]
    checks = []
    if identity.each == "col":
        over = [(c.key, c.label) for c in table.cols]
        cell = lambda key, other: (identity.table, key, other)  # noqa: E731
    else:
        over = [(r.key, r.label) for r in table.rows]
        cell = lambda key, other: (identity.table, other, key)  # noqa: E731
    labels = {r.key: r.label for r in table.rows} | {c.key: c.label for c in table.cols}
    for key, label in over:
        terms = {labels[k]: values.get(cell(k, key), 0) for k in (*identity.sum, *identity.equals)}
        lhs = sum(values.get(cell(k, key), 0) for k in identity.sum)
        rhs = sum(values.get(cell(k, key), 0) for k in identity.equals)
        checks.append(
            {
                "rule": identity.id,
                "table": identity.table,
                "over": label,
                "holds": lhs == rhs,
                "lhs": lhs,
                "rhs": rhs,
                "terms": terms,
                "description": identity.description,
            }
        )
    return checks


def make_record(
    *,
    body: str = "党政办公室",
    year: int = 2023,
    template_id: str = "2021",
    seed: int = 0,
    published: str | None = None,
    violate: bool = False,
    uncertain: int = 0,
    extra_text: str = "",
    page_url: str | None = None,
    salt: str = "",
) -> dict:
    """One report-model record. template_id "legacy" gives a record with text only (no cells, no checks)."""
    rng = random.Random(f"{body}|{year}|{template_id}|{seed}|{salt}")
    sentences = [
        s.format(
            body=body,
            n=rng.randint(10, 3000),
            m=rng.randint(0, 900),
            k=rng.randint(0, 60),
            r=rng.randint(0, 3),
            s=rng.randint(0, 3),
        )
        for s in SENTENCES
    ]
    rng.shuffle(sentences)
    headings = HEADINGS.get(template_id, HEADINGS["2019"])
    sections = []
    for number, (heading, key) in enumerate(zip(headings, SECTION_KEYS, strict=True), 1):
        section_text = "".join(sentences[(number - 1) % len(sentences) : (number - 1) % len(sentences) + 2])
        if number == 1:
            section_text += extra_text
        sections.append({"number": number, "key": key, "heading": heading, "text": wrap(section_text)})
    title = f"{body}{year}年政府信息公开工作年度报告"
    text = title + "\n\n" + "\n\n".join(f"{s['heading']}\n{s['text']}" for s in sections)
    sha = hashlib.sha256(f"{text}|{salt}|{seed}".encode()).hexdigest()
    record = {
        "source": {"path": f"{sha[:8]}.pdf", "sha256": sha, "media_type": "application/pdf", "size": len(text) * 3},
        "representations": [],
        "page_url": page_url,
        "listing_title": title,
        "published": published,
        "portal": None,
        "title": title,
        "body": body,
        "year": year,
        "template": template_id if template_id in ("2021", "2019") else "legacy",
        "scope": "本级",
        "extractor_version": "0.1.0",
        "method": "pdf-text",
        "ocr": False,
        "pages": 3,
        "text": text,
        "sections": sections,
        "cells": [],
        "checks": [],
        "warnings": [],
        "errors": [],
    }
    if template_id not in ("2021", "2019"):
        return record
    template = load_template(template_id)
    values = make_values(template, rng)
    if violate:
        key = ("applications", "new_received", "natural_person")
        values[key] += 1
    for index, cell in enumerate(template.cells):
        record["cells"].append(
            {
                "table": cell.table,
                "row": cell.row,
                "col": cell.col,
                "value": values[(cell.table, cell.row_key, cell.col_key)],
                "row_key": cell.row_key,
                "col_key": cell.col_key,
                "label_raw": cell.col,
                "page": 2,
                "method": "text",
                "uncertain": index < uncertain,
            }
        )
    record["checks"] = [c for identity in template.identities for c in evaluate(template, identity, values)]
    return record
