"""The archive tests' corpus: records generated from the declaration, plus the real sample reports."""

from __future__ import annotations

import json
from pathlib import Path

from archive.synthetic import make_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
SEARCH_SENTENCE = "三门峡经济开发区党政办公室负责依申请公开工作，本年度未发生行政复议和行政\n诉讼案件。"


def write_jsonl(path: Path, records: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sample_record(path: Path) -> dict:
    """A sample report (real text) as a legacy-style record: the text only, the title parsed naively."""
    text = path.read_text(encoding="utf-8")
    title = text.strip().splitlines()[0].strip()
    body = title.split("20")[0].strip()
    return {
        "source": {"path": path.name, "sha256": path.stem.split("_")[1] * 4, "media_type": "text/plain", "size": 1},
        "title": title,
        "body": body,
        "year": 2023,
        "template": "2021",
        "scope": "本级",
        "extractor_version": "0.1.0",
        "method": "text",
        "text": text,
        "sections": [],
        "cells": [],
        "checks": [],
        "warnings": [],
        "errors": [],
    }


def corpus() -> list[dict]:
    """Several years of one body (the last with a silently replaced version), a 2019-template report that
    breaks an identity, a legacy report without cells, and the three real sample reports."""
    records = [
        make_record(body="三门峡市财政局", year=year, seed=1, published=f"{year + 1}-01-20", extra_text=SEARCH_SENTENCE)
        for year in (2021, 2022, 2023)
    ]
    records.append(
        make_record(
            body="三门峡市财政局", year=2023, seed=1, salt="v2", published="2024-03-02", extra_text=SEARCH_SENTENCE
        )
    )
    records.append(make_record(body="焦作城乡一体化示范区管理委员会", year=2020, template_id="2019", violate=True))
    records.append(make_record(body="郑州市人民政府", year=2015, template_id="legacy", published="2016-03-30"))
    quiet = make_record(body="郑州市统计局", year=2016, template_id="legacy")
    quiet["text"] = "郑州市统计局2016年政府信息公开工作年度报告\n本年度工作平稳，按时主动公开统计信息。"
    records.append(quiet)
    records += [sample_record(p) for p in sorted(FIXTURES.glob("*.txt"))]
    return records
