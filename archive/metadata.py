"""Datasette metadata for the archive, built from the schema's column docs and the template declaration.

Every description here is generated: table and column docs come from archive/schema.py, the wide tables'
columns and the `labels` vocabulary from extract/templates/*.json. Nothing is written twice.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from archive.facets import TYPE as FACET_TYPE
from archive.queries import QUERIES
from archive.schema import REPORT_FACETS, TABLES, wide_tables
from extract.template import load_template

TITLE = "政府信息公开工作年度报告档案 · Archive of government information-disclosure annual reports"
DESCRIPTION = (
    "各级行政机关发布的政府信息公开工作年度报告：全文、三张统计表的每一个数值、勾稽关系检查和原始文件的来源。"
    "数值按《政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号、〔2019〕60号）的官方行列标签保存，"
    "收费金额单位为万元；抽取不确定的数值保留并标记。 "
    "Annual reports on government information disclosure published by Chinese government bodies: the full text, "
    "every value of the template's three statistics tables under its official labels (fees in 万元, ten thousand "
    "yuan), identity checks, and the provenance of every file. Made by govreports: crawled from official portals "
    "into WARC files, extracted from PDF/HTML/DOCX/scans, loaded with sqlite-utils, published with Datasette."
)
LICENSE = "CC BY 4.0 (compilation); the reports are official documents of the issuing bodies"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "各级政府门户网站“政府信息公开年报”栏目 / the annual-report columns of official government portals"


def _describe(zh: str, en: str, unit: str | None = None) -> str:
    return f"{zh} / {en}" + (f"（单位：{unit}）" if unit else "")


def _wide_table_metadata(name: str) -> dict:
    labels = wide_tables()[name]
    template = load_template(labels[0].template)
    table = template.tables[labels[0].table_name]
    columns = {
        "report_id": "报告 / Report",
        "body_id": "发布机关 / Issuing body",
        "year": "报告年度 / Report year",
        "uncertain_cells": "本表中抽取不确定的数值个数 / Uncertain values in this table",
    }
    for label in labels:
        item = f"{label.item} " if label.item else ""
        columns[label.wide_column] = f"{item}{label.row_label} × {label.col_label}" + (
            f"（单位：{label.unit}）" if label.unit else ""
        )
    return {
        "description": f"{template.name}：{table.title}（宽表，每份报告一行）。Wide table: one row per report, one "
        f"column per cell of table {table.key} ({label.table_name}) of the {template.id} template.",
        "columns": columns,
    }


def build_metadata(database: str = "archive") -> dict:
    """The metadata.json content for a database served under the name `database`."""
    tables: dict[str, dict] = {}
    for spec in TABLES:
        tables[spec.name] = {
            "description": _describe(spec.zh, spec.en),
            "columns": {c.name: _describe(c.zh, c.en, c.unit) for c in spec.columns},
        }
    for name in wide_tables():
        tables[name] = _wide_table_metadata(name)
    tables["reports"].update(
        {
            "description_html": f"{escape(tables['reports']['description'])} "
            f'<a href="/{quote(database)}/search">按相关度排序的全文检索 · ranked full-text search</a>',
            "facets": [{FACET_TYPE: column} for column in REPORT_FACETS],  # one pass for all: archive/facets.py
            "sort_desc": "published",
            "size": 20,
            "label_column": "title",
        }
    )
    tables["bodies"].update(
        {"facets": ["province", "city", "body_type", "level", "ambiguous"], "label_column": "full_name"}
    )
    tables["checks"].update({"facets": ["rule", "holds", "source"]})
    tables["labels"].update({"facets": ["template", "table_name"], "label_column": "key"})
    tables["cells"].update({"facets": ["uncertain"]})
    tables["reports_fts"] = {"hidden": True}
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "license": LICENSE,
        "license_url": LICENSE_URL,
        "source": SOURCE,
        "about": "govreports",
        "databases": {database: {"tables": tables, "queries": QUERIES}},
    }


# Arbitrary SQL (`/<db>?sql=`) runs one at a time (others get 429 Retry-After) and under a lower limit than canned
# queries and table pages (sql_time_limit_ms): see archive/sql_gate.py.
ARBITRARY_SQL_TIME_LIMIT_MS = 1000
ARBITRARY_SQL_RETRY_AFTER_S = 2

SETTINGS = {
    "suggest_facets": False,  # suggestions dominated search time (issue 5: p95 1,038 ms -> 66 ms without)
    "sql_time_limit_ms": 3000,
    # Threads running SQL. With arbitrary SQL gated to one at a time, one endless query can hold at most one of
    # them; more threads would not help on the 2-core machine (SQLite work holds the GIL between its steps).
    "num_sql_threads": 3,
    "facet_time_limit_ms": 500,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "truncate_cells_html": 300,
    "allow_download": False,  # the release files are the download; a 20 GB file through the app is not
    "default_cache_ttl": 600,
    "max_csv_mb": 100,
}
