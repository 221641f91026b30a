"""The archive's tables, declared once: names, types, keys, indexes and the documentation of every column.

The table and column names are a contract for the public data set. Each column carries its description in
Chinese and English; `archive/metadata.py` turns these into Datasette metadata, so the docs and the schema cannot
drift apart. The statistics tables (labels, the wide per-template tables) are built from the template
declaration in `extract/templates/*.json`, never re-declared here.

Design notes:
- `reports.id` and `bodies.id` are INTEGER PRIMARY KEYs derived from a hash of content and identity
  (`stable_id`), so they are rowids that survive VACUUM and rebuilds: links and citations stay valid, and the
  full-text index (keyed by rowid) stays aligned with them.
- `cells` is narrow and WITHOUT ROWID (report_id, label_id): at 100,000 reports x 200 cells this is the
  largest table, so the labels live once in `labels`.
- The full-text index is an external-content FTS5 table declared with `content="reports"` (double quotes, the
  only form Datasette 0.65 detects) whose rows are filled by the loader with a bigram copy of the text; see
  archive/search.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extract.template import TABLE_NAMES, Template, all_templates

SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    zh: str
    en: str
    unit: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...]
    without_rowid: bool = False
    indexes: tuple[tuple[str, ...], ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    unique: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


def C(name: str, type_: str, zh: str, en: str, unit: str | None = None) -> Column:
    return Column(name, type_, zh, en, unit)


BODIES = TableSpec(
    "bodies",
    "发布机关（规范化）",
    "Issuing bodies, normalised: type, level, parent and administrative-division code with the evidence for it.",
    (
        C(
            "id",
            "INTEGER",
            "机关标识（由规范化名称和区划派生，重建不变）",
            "Stable id derived from normalised name and division",
        ),
        C("name", "TEXT", "报告中写明的名称", "Name as written in the report (first seen)"),
        C("name_norm", "TEXT", "规范化名称", "Normalised name (NFKC, no spaces)"),
        C("full_name", "TEXT", "带区划的全称", "Name qualified with its division where the evidence gives one"),
        C("body_type", "TEXT", "机关类型：人民政府、部门、开发区管委会、乡镇街道、其他", "Body type"),
        C("level", "TEXT", "层级：省、市、县、乡", "Level: province, prefecture, county, township"),
        C(
            "division_code",
            "TEXT",
            "行政区划代码（GB/T 2260 或统计用区划代码，含7x功能区）",
            "Division code (GB/T 2260 / NBS)",
        ),
        C("division_name", "TEXT", "区划名称", "Division name"),
        C("division_system", "TEXT", "代码体系：GB2260、NBS、custom（自编，无国家代码）", "Code system"),
        C("province", "TEXT", "省", "Province"),
        C("city", "TEXT", "市（地级或省直辖县级市）", "Prefecture-level city (or province-administered city)"),
        C("county", "TEXT", "县级区划或功能区", "County-level division or functional zone"),
        C("parent_id", "INTEGER", "上级机关", "Parent body (the government or zone administration above it)"),
        C("parent_name", "TEXT", "上级机关名称", "Parent body name"),
        C(
            "ambiguous",
            "INTEGER",
            "名称有歧义、无法确定区划（1=待人工核对）",
            "1 = the name fits several divisions; not guessed",
        ),
        C("candidates", "TEXT", "歧义时的候选区划（JSON）", "Candidate divisions when ambiguous (JSON)"),
        C(
            "evidence",
            "TEXT",
            "区划判断依据（JSON：来源、值、区划）",
            "Evidence for the division (JSON: source, value, code)",
        ),
        C(
            "derived",
            "INTEGER",
            "1=由下级机关推出的上级机关，本身无报告",
            "1 = parent body derived from a child's division",
        ),
        C("n_reports", "INTEGER", "报告数", "Number of reports"),
    ),
    pk=("id",),
    indexes=(("division_code",), ("province", "city"), ("body_type",), ("name_norm",), ("parent_id",)),
    foreign_keys=(("parent_id", "bodies", "id"),),
)

# The reports table's facets (Datasette metadata, archive/metadata.py). One index holds them all, so the facets of a
# search are counted from this narrow index instead of the report rows, which carry their text (or its first few KB)
# in their b-tree leaf: about one row per page (archive/facets.py).
REPORT_FACETS = ("year", "province", "city", "level", "body_type", "template", "checks_failed", "format")

REPORTS = TableSpec(
    "reports",
    "年度报告（每个机关×年度×版本一行）",
    "Annual reports: one row per body x year x version, with the full text.",
    (
        C(
            "id",
            "INTEGER",
            "报告标识（由原文件内容哈希派生，重建不变）",
            "Stable id derived from the source bytes' hash",
        ),
        C("body_id", "INTEGER", "发布机关", "Issuing body"),
        C("body", "TEXT", "报告中的机关名称", "Body name as the report gives it"),
        C("title", "TEXT", "标题", "Title"),
        C("year", "INTEGER", "报告年度", "Report year (from the title)"),
        C("template", "TEXT", "格式：2021、2019、legacy、unknown", "Template: 2021, 2019, legacy, unknown"),
        C("scope", "TEXT", "范围：本级、汇总、unknown", "Scope: own body or aggregate"),
        C("published", "TEXT", "发布日期", "Publication date (YYYY-MM-DD)"),
        C(
            "deadline",
            "TEXT",
            "法定发布期限（2019年度起：部门1月31日，政府3月31日）",
            "Legal deadline (reports for 2019+)",
        ),
        C("days_late", "INTEGER", "超过法定期限的天数（未超期为0）", "Days published after the legal deadline"),
        C("page_url", "TEXT", "原始网页地址", "Original page URL"),
        C("source_url", "TEXT", "原始文件地址", "Original file URL"),
        C("source_path", "TEXT", "抽取时的文件路径", "File path given to the extractor"),
        C("archived", "TEXT", "本站存档副本链接", "Link to the archived copy served by this instance"),
        C("sha256", "TEXT", "原始文件SHA-256", "SHA-256 of the source bytes"),
        C("media_type", "TEXT", "文件类型", "Media type of the source"),
        C("format", "TEXT", "格式：pdf、html、docx、doc、text、image…", "Format family"),
        C("method", "TEXT", "抽取方法", "Extraction method"),
        C("ocr", "INTEGER", "是否经OCR", "1 = text from OCR"),
        C("pages", "INTEGER", "页数", "Pages"),
        C("extractor_version", "TEXT", "抽取程序版本", "Extractor version"),
        C("n_cells", "INTEGER", "表格数值个数", "Number of table values"),
        C("n_uncertain", "INTEGER", "不确定的数值个数", "Number of uncertain values"),
        C("checks_total", "INTEGER", "勾稽检查数", "Number of identity checks"),
        C("checks_failed", "INTEGER", "未通过的勾稽检查数", "Failed identity checks"),
        C(
            "cross_year_failed",
            "INTEGER",
            "未通过的跨年度检查数（S1/S2，仅提示）",
            "Failed cross-year checks (S1/S2, flags)",
        ),
        C("version", "INTEGER", "版本序号（同一机关同一年度，按发布时间）", "Version number for body x year x scope"),
        C("versions", "INTEGER", "版本总数", "Number of versions"),
        C("is_latest", "INTEGER", "是否最新版本", "1 = latest version"),
        C("previous_id", "INTEGER", "上一版本", "Previous version"),
        C("portal", "TEXT", "门户", "Portal"),
        C("listing_title", "TEXT", "列表页标题", "Title on the listing page"),
        C("province", "TEXT", "省", "Province"),
        C("city", "TEXT", "市", "City"),
        C("county", "TEXT", "县级区划或功能区", "County or zone"),
        C("level", "TEXT", "层级", "Level"),
        C("body_type", "TEXT", "机关类型", "Body type"),
        C("text_chars", "INTEGER", "全文字数", "Characters of text"),
        C("simhash", "INTEGER", "全文SimHash（近似重复检测）", "64-bit SimHash of the text (near duplicates)"),
        C("sim_band0", "INTEGER", "SimHash第1段", "SimHash bits 48-63"),
        C("sim_band1", "INTEGER", "SimHash第2段", "SimHash bits 32-47"),
        C("sim_band2", "INTEGER", "SimHash第3段", "SimHash bits 16-31"),
        C("sim_band3", "INTEGER", "SimHash第4段", "SimHash bits 0-15"),
        C("n_errors", "INTEGER", "抽取错误数", "Extraction errors"),
        C("n_warnings", "INTEGER", "抽取警告数", "Extraction warnings"),
        C("errors", "TEXT", "抽取错误（JSON）", "Extraction errors (JSON)"),
        C("warnings", "TEXT", "抽取警告（JSON）", "Extraction warnings (JSON)"),
        C("content_hash", "TEXT", "记录内容哈希（增量加载用）", "Hash of the loaded record (incremental loading)"),
        C("text", "TEXT", "全文", "Full text"),
    ),
    pk=("id",),
    indexes=(
        ("body_id", "year"),
        ("year",),
        ("province", "city"),
        ("level",),
        ("body_type",),
        ("template",),
        ("checks_failed",),
        ("format",),
        ("published",),
        ("days_late",),
        ("is_latest", "year"),
        ("sha256",),
        ("sim_band0",),
        ("sim_band1",),
        ("sim_band2",),
        ("sim_band3",),
        REPORT_FACETS,
    ),
    foreign_keys=(("body_id", "bodies", "id"),),
)

SECTIONS = TableSpec(
    "sections",
    "报告正文分节",
    "Report text by section (一、总体情况 … 六、其他需要报告的事项).",
    (
        C("id", "INTEGER", "分节标识", "Stable id (report and position)"),
        C("report_id", "INTEGER", "报告", "Report"),
        C("position", "INTEGER", "在报告中的顺序", "Order in the report"),
        C("number", "INTEGER", "节号", "Section number"),
        C("key", "TEXT", "节的英文键", "Section key"),
        C("heading", "TEXT", "标题（原文）", "Heading as written"),
        C("text", "TEXT", "正文", "Text"),
    ),
    pk=("id",),
    indexes=(("report_id", "position"), ("key",)),
    foreign_keys=(("report_id", "reports", "id"),),
)

LABELS = TableSpec(
    "labels",
    "统计表单元格标签（来自格式声明）",
    "One row per template cell: the official row and column labels, stable keys and unit (from the declaration).",
    (
        C(
            "id",
            "INTEGER",
            "标签标识（格式年份×1000+声明中的顺序）",
            "Label id: template x 1000 + order in the declaration",
        ),
        C("template", "TEXT", "格式", "Template"),
        C("table_name", "TEXT", "表名（art20、applications、review_litigation）", "Table name"),
        C("table_title", "TEXT", "表标题", "Table title"),
        C("item", "TEXT", "条款（如第二十条第（一）项）", "Article item (table 二)"),
        C("row_label", "TEXT", "行标签（官方）", "Official row label"),
        C("col_label", "TEXT", "列标签（官方）", "Official column label"),
        C("row_key", "TEXT", "行键", "Row key"),
        C("col_key", "TEXT", "列键", "Column key"),
        C("key", "TEXT", "单元格键（行键.列键）", "Cell key (row_key.col_key)"),
        C("value_type", "TEXT", "数值类型：integer、decimal", "Value type"),
        C("unit", "TEXT", "单位", "Unit (万元 for the fee)"),
        C("wide_column", "TEXT", "宽表中的列名", "Column name in the wide table"),
    ),
    pk=("id",),
    indexes=(("template", "table_name", "row_key", "col_key"),),
)

CELLS = TableSpec(
    "cells",
    "统计表数值（长表：每个数值一行）",
    "Table values in long form, one row per value; labels in `labels`. Uncertain values are kept and flagged.",
    (
        C("report_id", "INTEGER", "报告", "Report"),
        C("label_id", "INTEGER", "单元格标签", "Cell label"),
        C("value", "NUMERIC", "数值（收费金额单位：万元）", "Value (fee in 万元)"),
        C("uncertain", "INTEGER", "1=抽取不确定", "1 = extraction uncertain; left out of aggregates unless asked"),
        C("label_raw", "TEXT", "原文行标签", "Row label as found in the document"),
        C("col_raw", "TEXT", "原文列标签（能读出表头时）", "Column label as found, when the header could be read"),
        C("unit_raw", "TEXT", "单元格中写明的单位", "Unit written in the cell (e.g. 元)"),
        C("page", "INTEGER", "页码", "Page"),
        C("method", "TEXT", "抽取方法", "Extraction method"),
    ),
    pk=("report_id", "label_id"),
    without_rowid=True,
    indexes=(("label_id", "value"),),
    foreign_keys=(("report_id", "reports", "id"), ("label_id", "labels", "id")),
)

CHECKS = TableSpec(
    "checks",
    "勾稽关系检查（只标记，不修正）",
    "Every identity check per report (H1-H4 from the extractor; S1/S2 across years from the archive). Flagged, "
    "never corrected.",
    (
        C("id", "INTEGER", "检查标识", "Check id"),
        C("report_id", "INTEGER", "报告", "Report"),
        C("rule", "TEXT", "规则：H1-H4（表内），S1、S2（跨年度）", "Rule"),
        C("table_name", "TEXT", "表名", "Table"),
        C("over", "TEXT", "适用的行或列", "Row or column it ranges over"),
        C("holds", "INTEGER", "1=成立，0=不成立，空=无法判断", "1 holds, 0 fails, null = cannot tell"),
        C("lhs", "NUMERIC", "左边", "Left-hand side"),
        C("rhs", "NUMERIC", "右边", "Right-hand side"),
        C("difference", "NUMERIC", "左边减右边", "lhs - rhs"),
        C("terms", "TEXT", "参与计算的数值（JSON）", "Terms (JSON)"),
        C("description", "TEXT", "说明", "Description"),
        C("source", "TEXT", "来源：extract（抽取时检查）或 cross-year（归档时跨年度检查）", "extract or cross-year"),
        C("other_report_id", "INTEGER", "跨年度检查比较的报告", "Report compared with (cross-year)"),
    ),
    pk=("id",),
    indexes=(("report_id", "source"), ("other_report_id",), ("holds", "rule")),
    foreign_keys=(("report_id", "reports", "id"), ("other_report_id", "reports", "id")),
)

DOCUMENTS = TableSpec(
    "documents",
    "抓取到的文件（按内容）",
    "Every fetched file, by content (sha256), with where it lives in the raw store.",
    (
        C("sha256", "TEXT", "SHA-256", "SHA-256"),
        C("media_type", "TEXT", "文件类型", "Media type"),
        C("size", "INTEGER", "字节数", "Size in bytes"),
        C("path", "TEXT", "原始存储中的相对路径", "Path relative to the raw store"),
        C("url", "TEXT", "首次抓取地址", "First URL it was fetched from"),
        C("verified_pdf", "INTEGER", "1=以%PDF-开头的PDF", "1 = starts with %PDF- (served inline)"),
    ),
    pk=("sha256",),
    indexes=(("url",),),
)

REPORT_DOCUMENTS = TableSpec(
    "report_documents",
    "报告与文件的对应",
    "Which files each report was read from (source, other representations, attachments, page).",
    (
        C("report_id", "INTEGER", "报告", "Report"),
        C("sha256", "TEXT", "文件", "File"),
        C("role", "TEXT", "作用：source、representation", "Role"),
        C("method", "TEXT", "抽取方法", "Method"),
        C("cells", "INTEGER", "读出的数值个数", "Cells read from it"),
        C("chosen", "INTEGER", "1=被选用", "1 = chosen representation"),
    ),
    pk=("report_id", "sha256", "role"),
    without_rowid=True,
    indexes=(("sha256",),),
    foreign_keys=(("report_id", "reports", "id"), ("sha256", "documents", "sha256")),
)

CAPTURES = TableSpec(
    "captures",
    "抓取记录",
    "Every fetch from the crawl's capture index: URL, time, status, bytes and where they are in the WARC files.",
    (
        C("id", "INTEGER", "抓取标识", "Stable id (URL, time, WARC position)"),
        C("url", "TEXT", "地址", "URL"),
        C("final_url", "TEXT", "跳转后地址", "URL after redirects"),
        C("status", "INTEGER", "HTTP状态", "HTTP status"),
        C("fetched_at", "TEXT", "抓取时间", "Fetch time"),
        C("sha256", "TEXT", "内容SHA-256", "SHA-256 of the body"),
        C("media_type", "TEXT", "文件类型", "Media type"),
        C("size", "INTEGER", "字节数", "Size"),
        C("warc_file", "TEXT", "WARC文件", "WARC file"),
        C("warc_offset", "INTEGER", "WARC偏移", "Offset in the WARC file"),
        C("portal", "TEXT", "门户", "Portal"),
        C("referrer", "TEXT", "来源页", "Referrer"),
        C("outcome", "TEXT", "结果分类", "Outcome"),
    ),
    pk=("id",),
    indexes=(("sha256",), ("url",), ("portal", "fetched_at")),
)

LOAD_ISSUES = TableSpec(
    "load_issues",
    "加载问题",
    "Input the loader could not use, with the file, line and reason; nothing else is lost.",
    (
        C("id", "INTEGER", "标识", "Id (hash of file, line, code)"),
        C("file", "TEXT", "文件", "Input file"),
        C("line", "INTEGER", "行号", "Line"),
        C("code", "TEXT", "代码", "Code"),
        C("message", "TEXT", "说明", "Message"),
        C("source", "TEXT", "记录的原始文件（路径或地址）", "The record's source file (path or URL)"),
        C(
            "errors",
            "TEXT",
            "抽取时记录的错误（JSON：代码、说明），说明为何没有正文和数值",
            "The record's extraction errors (JSON: code, message): why it has no text or cells",
        ),
    ),
    pk=("id",),
)

ARCHIVE_INFO = TableSpec(
    "archive_info",
    "归档信息",
    "Key/value facts about this archive (schema version, raw store, build).",
    (C("key", "TEXT", "键", "Key"), C("value", "TEXT", "值", "Value")),
    pk=("key",),
)

TABLES: tuple[TableSpec, ...] = (
    BODIES,
    REPORTS,
    SECTIONS,
    LABELS,
    CELLS,
    CHECKS,
    DOCUMENTS,
    REPORT_DOCUMENTS,
    CAPTURES,
    LOAD_ISSUES,
    ARCHIVE_INFO,
)

FTS_TABLE = "reports_fts"
FTS_COLUMNS = ("title", "text")


def stable_id(*parts: object) -> int:
    """A positive 60-bit integer from a hash of the parts: the same identity always gets the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return int(digest[:15], 16)


# --- the statistics tables, from the template declaration -------------------------------------------------


def wide_table_name(template_id: str, table: str) -> str:
    return f"t{template_id}_{table}"


def wide_column(template: Template, table: str, row_key: str, col_key: str) -> str:
    """The wide table's column for a cell: `row__col`, or just the column when the table has one row."""
    single_row = len(template.tables[table].rows) == 1
    name = col_key if single_row else f"{row_key}__{col_key}"
    return re.sub(r"[^0-9a-zA-Z_]", "_", name)


@dataclass(frozen=True)
class LabelRow:
    id: int
    template: str
    table_name: str
    table_title: str
    item: str | None
    row_label: str
    col_label: str
    row_key: str
    col_key: str
    key: str
    value_type: str
    unit: str | None
    wide_column: str


def label_rows() -> list[LabelRow]:
    """One row per cell of every declared template; ids are template x 1000 + position in the declaration."""
    rows = []
    for template in all_templates():
        position = 0
        for table in TABLE_NAMES:
            spec = template.tables[table]
            for cell in spec.cells:
                position += 1
                rows.append(
                    LabelRow(
                        id=int(template.id) * 1000 + position,
                        template=template.id,
                        table_name=table,
                        table_title=spec.title,
                        item=cell.item,
                        row_label=cell.row,
                        col_label=cell.col,
                        row_key=cell.row_key,
                        col_key=cell.col_key,
                        key=cell.key,
                        value_type=cell.value_type,
                        unit=cell.unit,
                        wide_column=wide_column(template, table, cell.row_key, cell.col_key),
                    )
                )
    return rows


def wide_tables() -> dict[str, list[LabelRow]]:
    """The wide tables (one row per report) and their value columns, in declaration order."""
    out: dict[str, list[LabelRow]] = {}
    for label in label_rows():
        out.setdefault(wide_table_name(label.template, label.table_name), []).append(label)
    return out


# --- DDL ----------------------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_sql(spec: TableSpec) -> str:
    cols = []
    single_pk = len(spec.pk) == 1
    fks = {col: (other, other_col) for col, other, other_col in spec.foreign_keys}
    for column in spec.columns:
        line = f"{_quote(column.name)} {column.type}"
        if single_pk and column.name == spec.pk[0]:
            line += " PRIMARY KEY"
        if column.name in fks:
            other, other_col = fks[column.name]
            line += f" REFERENCES {_quote(other)}({_quote(other_col)})"
        cols.append(line)
    if not single_pk:
        cols.append("PRIMARY KEY (" + ", ".join(_quote(c) for c in spec.pk) + ")")
    suffix = " WITHOUT ROWID" if spec.without_rowid else ""
    return f"CREATE TABLE IF NOT EXISTS {_quote(spec.name)} (\n  " + ",\n  ".join(cols) + f"\n){suffix}"


def index_sql(spec: TableSpec) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {_quote('idx_' + spec.name + '_' + '_'.join(cols))} "
        f"ON {_quote(spec.name)} (" + ", ".join(_quote(c) for c in cols) + ")"
        for cols in spec.indexes
    ]


def upsert_sql(table: str, columns: Sequence[str]) -> str:
    """INSERT OR REPLACE of a row's `columns` into `table`, one parameter per column (for executemany)."""
    return (
        f"INSERT OR REPLACE INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )


def wide_table_sql(name: str, labels: list[LabelRow]) -> str:
    value_cols = ",\n  ".join(
        f"{_quote(label.wide_column)} {'REAL' if label.value_type == 'decimal' else 'INTEGER'}" for label in labels
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {_quote(name)} (\n"
        '  "report_id" INTEGER PRIMARY KEY REFERENCES "reports"("id"),\n'
        '  "body_id" INTEGER REFERENCES "bodies"("id"),\n'
        '  "year" INTEGER,\n'
        '  "uncertain_cells" INTEGER,\n'
        f"  {value_cols}\n)"
    )


FTS_SQL = (
    f'CREATE VIRTUAL TABLE IF NOT EXISTS "{FTS_TABLE}" USING fts5('
    + ", ".join(FTS_COLUMNS)
    + ', content="reports", content_rowid="id")'
)


def _add_missing_columns(conn, spec: TableSpec) -> None:
    """Columns declared since an archive was built are added (at the end, NULL), so old archives still load."""
    present = {row[1] for row in conn.execute(f"PRAGMA table_info({_quote(spec.name)})")}
    for column in spec.columns:
        if column.name not in present:
            conn.execute(f"ALTER TABLE {_quote(spec.name)} ADD COLUMN {_quote(column.name)} {column.type}")


def create_schema(conn) -> None:
    """Create every table, index and the full-text index if missing (safe to run on an existing archive)."""
    for spec in TABLES:
        conn.execute(table_sql(spec))
        _add_missing_columns(conn, spec)
        for statement in index_sql(spec):
            conn.execute(statement)
    for name, labels in wide_tables().items():
        conn.execute(wide_table_sql(name, labels))
        conn.execute(f'CREATE INDEX IF NOT EXISTS "idx_{name}_body_year" ON "{name}" ("body_id", "year")')
    conn.execute(FTS_SQL)
    existing = {row[0] for row in conn.execute("SELECT id FROM labels")}
    for label in label_rows():
        if label.id not in existing:
            conn.execute(
                "INSERT INTO labels VALUES (" + ", ".join("?" * len(LABELS.columns)) + ")",
                [getattr(label, c.name) for c in LABELS.columns],
            )
    conn.execute(
        "INSERT OR REPLACE INTO archive_info (key, value) VALUES ('schema_version', ?)",
        (SCHEMA_VERSION,),
    )
