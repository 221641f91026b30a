"""Render reports with known numbers into the formats portals publish, for round-trip tests and benchmarks.

A `Report` holds a value for every cell of a template (labels from extract/template.py, never typed here),
consistent with the template's identities or, on request, violating one. It is rendered as

* `render_docx`: a DOCX with real Word tables merged as in the official template (the 3×3 note in the corner
  of table 三, 申请人情况 / 法人或其他组织 header groups, the vertical 三、本年度办理结果 block and group
  labels, value cells spanning the 第二十条 table's three columns);
* `render_html`: a portal article page (header, navigation, breadcrumb, footer around the article), tables
  with rowspan/colspan, optionally `<th>` headers, Word-pasted cell markup, GBK encoding;
* `render_pdfs`: PDFs from DOCX files via one LibreOffice call (`padding_docx`, `joined_pdfs`: a report after
  pages of unrelated ruled tables; `numbers_lost`: its text layer without table 三's numbers);
* `render_broken_text`: the text a PDF extractor without layout produces (labels broken over lines, the
  7th value wrapped onto its own line, header tokens one per line).

`Rendered.expected_grids()` gives the grids a reader must return for the tables (spans expanded).
"""

from __future__ import annotations

import html
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import docx
import openpyxl
import pypdfium2 as pdfium
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import strategies as st

from extract.document import Document, Line
from extract.readers.office import convert_files
from extract.template import Template, load_template
from extract.values import is_value

APPLICATIONS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADER = "申请人情况"
ORGANISATION_HEADER = "法人或其他组织"
CONTENT_HEADER = "信息内容"
BODIES = ("市统计局", "区财政局", "县人民政府办公室", "高新技术产业开发区管理办公室", "镇人民政府", "市场监督管理局")
PROSE = (
    "本机关坚持以公开为常态、不公开为例外，认真贯彻落实《中华人民共和国政府信息公开条例》",
    "进一步加强政府信息公开平台建设，及时更新门户网站各栏目内容",
    "依法依规做好政府信息公开申请的受理、办理和答复工作，全年未发生因信息公开引发的行政复议",
    "健全信息发布审核机制，严格落实“三审三校”制度，确保发布信息准确规范",
)


@dataclass
class Report:
    template: Template
    body: str
    year: int
    values: dict[tuple[str, str, str], int | Decimal]
    violated: list[str] = field(default_factory=list)  # identity ids the numbers break on purpose
    thousands: bool = False

    @property
    def title(self) -> str:
        return f"{self.body}{self.year}年政府信息公开工作年度报告"

    def __repr__(self) -> str:  # hypothesis prints failing examples: the numbers, not the template
        numbers = ",".join(self.text_of(key) for key in self.values)
        return f"Report({self.template.id}, {self.title!r}, violated={self.violated}, values=[{numbers}])"

    def text_of(self, key: tuple[str, str, str]) -> str:
        value = self.values[key]
        if isinstance(value, Decimal):
            return str(value)
        sign = "+" if value > 0 and key in self.signed else ""  # 2019's 本年增/减 is written "+12"
        return sign + (f"{value:,}" if self.thousands else str(value))

    @property
    def signed(self) -> set[tuple[str, str, str]]:
        return {(c.table, c.row, c.col) for c in self.template.cells if c.value_type == "signed_integer"}

    def expected_cells(self) -> dict[tuple[str, str, str], int | float]:
        """The cells as the report model holds them: integers, and the fee as a JSON (float) number."""
        return {k: float(v) if isinstance(v, Decimal) else v for k, v in self.values.items()}


# ---- numbers ---------------------------------------------------------------------------------------


def make_report(rng: random.Random, template_id: str = "2021", *, violate: bool = False) -> Report:
    """A report with plausible numbers for every cell; with `violate`, one number breaks identity H1."""
    template = load_template(template_id)
    values: dict[tuple[str, str, str], int | Decimal] = {}
    for cell in template.tables["art20"].cells:
        values[(cell.table, cell.row, cell.col)] = _number(rng, cell.value_type)
    _applications(template, rng, values)
    _review(template, rng, values)
    report = Report(template, rng.choice(BODIES), rng.randint(2019, 2025), values, thousands=rng.random() < 0.3)
    if violate:
        _violate(template, rng, report)
    return report


def _number(rng: random.Random, value_type: str) -> int | Decimal:
    if value_type == "decimal":
        places = rng.choice([0, 1, 2, 4])
        return Decimal(rng.randint(0, 9_999_999)).scaleb(-places) if places else Decimal(rng.randint(0, 9999))
    if value_type == "signed_integer":
        return rng.randint(-50, 50)
    return rng.choice([0, rng.randint(0, 20), rng.randint(0, 3000)])


def _identity(template: Template, ident: str):
    return next(i for i in template.identities if i.id == ident)


def _applications(template: Template, rng: random.Random, values: dict) -> None:
    table = template.tables["applications"]
    rows = {r.key: r.label for r in table.rows}
    cols = {c.key: c.label for c in table.cols}
    h1, h2, h3 = (_identity(template, i) for i in ("H1", "H2", "H3"))
    new, carried_over = h1.sum
    total_processed, carried_forward = h1.equals
    total_col = h3.equals[0]
    for col in h3.sum:
        outcomes = {row: rng.choice([0, 0, rng.randint(0, 9), rng.randint(0, 400)]) for row in h2.sum}
        handled = sum(outcomes.values())
        forward = rng.randint(0, 30)
        over = rng.randint(0, handled + forward)
        column = {**outcomes, total_processed: handled, carried_forward: forward, carried_over: over}
        column[new] = handled + forward - over
        for row, value in column.items():
            values[("applications", rows[row], cols[col])] = value
    for row in rows.values():
        values[("applications", row, cols[total_col])] = sum(
            values[("applications", row, cols[c])] for c in h3.sum
        )


def _review(template: Template, rng: random.Random, values: dict) -> None:
    table = template.tables["review_litigation"]
    cols = {c.key: c.label for c in table.cols}
    row = table.rows[0].label
    for identity in template.identities:
        if identity.table != "review_litigation":
            continue
        parts = {col: rng.choice([0, 0, rng.randint(0, 5)]) for col in identity.sum}
        parts[identity.equals[0]] = sum(parts.values())
        for col, value in parts.items():
            values[("review_litigation", row, cols[col])] = value


def _violate(template: Template, rng: random.Random, report: Report) -> None:
    """Add one to a 本年新收 cell: H1 fails in that column, H3 in that row; nothing else changes."""
    table = template.tables["applications"]
    h1 = _identity(template, "H1")
    row = next(r.label for r in table.rows if r.key == h1.sum[0])
    col = rng.choice([c.label for c in table.cols if c.key != _identity(template, "H3").equals[0]])
    report.values[("applications", row, col)] += 1
    report.violated = ["H1", "H3"]


def reports(template_id: str | None = "2021", violate: bool | None = None) -> st.SearchStrategy[Report]:
    """Hypothesis strategy for reports; `template_id=None` draws 2021 or 2019, `violate=None` both kinds."""
    flags = st.booleans() if violate is None else st.just(violate)
    templates = st.sampled_from(["2021", "2019"]) if template_id is None else st.just(template_id)
    return st.builds(
        lambda rng, t, v: make_report(rng, t, violate=v), st.randoms(use_true_random=False), templates, flags
    )


# ---- table layouts ---------------------------------------------------------------------------------


@dataclass
class Span:
    """A cell as HTML and Word write it: text once, covering rowspan × colspan grid positions."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class Layout:
    heading: str  # the section heading the table sits under
    rows: list[list[Span]]  # HTML-style: a covered position has no Span

    def expected_grid(self) -> list[list[str]]:
        """The grid a reader must return: spans expanded, only columns some cell starts in."""
        starts = self._starting_columns()
        return [[text for c, text in enumerate(row) if c in starts] for row in self.full_grid()]

    def full_grid(self) -> list[list[str]]:
        taken: dict[tuple[int, int], str] = {}
        for r, row in enumerate(self.rows):
            c = 0
            for span in row:
                while (r, c) in taken:
                    c += 1
                for dr in range(span.rowspan):
                    for dc in range(span.colspan):
                        taken[(r + dr, c + dc)] = span.text
                c += span.colspan
        height = max(r for r, _ in taken) + 1
        width = max(c for _, c in taken) + 1
        return [[taken.get((r, c), "") for c in range(width)] for r in range(height)]

    def _starting_columns(self) -> set[int]:
        """Columns some cell starts in: a reader keeps only those (a column every row spans is no column)."""
        taken: set[tuple[int, int]] = set()
        starts = set()
        for r, row in enumerate(self.rows):
            c = 0
            for span in row:
                while (r, c) in taken:
                    c += 1
                starts.add(c)
                taken.update((r + dr, c + dc) for dr in range(span.rowspan) for dc in range(span.colspan))
                c += span.colspan
        return starts


def layouts(report: Report, split_art20: bool = False) -> list[Layout]:
    """The three statistics tables laid out as in the official template (第二十条 as one table or four)."""
    sections = {s.number: s.heading for s in report.template.sections}
    art20 = _art20_layouts(report)
    if not split_art20:
        art20 = [Layout(art20[0].heading, [row for layout in art20 for row in layout.rows])]
    tables = report.template.tables
    return [
        *(Layout(sections[tables["art20"].section], layout.rows) for layout in art20),
        Layout(sections[tables["applications"].section], _applications_rows(report)),
        Layout(sections[tables["review_litigation"].section], _review_rows(report)),
    ]


def _art20_layouts(report: Report) -> list[Layout]:
    table = report.template.tables["art20"]
    width = 1 + max(len(block.cols) for block in table.blocks)
    out = []
    for block in table.blocks:
        spans = _share(width - 1, len(block.cols))  # value cells fill the width (3 columns into 2: 2 + 1)
        rows = [
            [Span(block.item or "", colspan=width, header=True)],
            [Span(CONTENT_HEADER, header=True)]
            + [Span(c.label, colspan=n, header=True) for c, n in zip(block.cols, spans, strict=True)],
        ]
        for row in block.rows:
            values = [report.text_of(("art20", row.label, c.label)) for c in block.cols]
            rows.append([Span(row.label)] + [Span(v, colspan=n) for v, n in zip(values, spans, strict=True)])
        out.append(Layout("", rows))
    return out


def _share(width: int, parts: int) -> list[int]:
    return [width // parts + (1 if i < width % parts else 0) for i in range(parts)]


def _applications_rows(report: Report) -> list[list[Span]]:
    table = report.template.tables["applications"]
    cols = [c.label for c in table.cols]
    total, persons, organisations = cols[-1], cols[0], cols[1:-1]
    label_width = max(len(r.label.split("/")) for r in table.rows)
    note = Span(APPLICATIONS_NOTE, rowspan=3, colspan=label_width, header=True)
    rows: list[list[Span]] = [
        [note, Span(APPLICANT_HEADER, colspan=len(cols), header=True)],
        [
            Span(persons, rowspan=2, header=True),
            Span(ORGANISATION_HEADER, colspan=len(organisations), header=True),
            Span(total, rowspan=2, header=True),
        ],
        [Span(label, header=True) for label in organisations],
    ]
    paths = [r.label.split("/") for r in table.rows]
    for i, parts in enumerate(paths):
        row: list[Span] = []
        for depth, part in enumerate(parts):
            if i > 0 and paths[i - 1][: depth + 1] == parts[: depth + 1]:
                continue  # covered by the group label above
            last = depth == len(parts) - 1
            rowspan = 1
            while not last and i + rowspan < len(paths) and paths[i + rowspan][: depth + 1] == parts[: depth + 1]:
                rowspan += 1
            row.append(Span(part, rowspan=rowspan, colspan=label_width - depth if last else 1))
        row.extend(Span(report.text_of(("applications", "/".join(parts), col))) for col in cols)
        rows.append(row)
    return rows


def _review_rows(report: Report) -> list[list[Span]]:
    table = report.template.tables["review_litigation"]
    paths = [c.label.split("/") for c in table.cols]
    depth = max(len(p) for p in paths)
    header: list[list[tuple[int, Span]]] = [[] for _ in range(depth)]
    for i, parts in enumerate(paths):
        shift = depth - len(parts)
        for d, part in enumerate(parts):
            if i > 0 and paths[i - 1][: d + 1] == parts[: d + 1]:
                continue
            colspan = 1
            while i + colspan < len(paths) and paths[i + colspan][: d + 1] == parts[: d + 1]:
                colspan += 1
            rowspan = 1 + shift if d == 0 else 1
            header[0 if d == 0 else d + shift].append((i, Span(part, rowspan=rowspan, colspan=colspan, header=True)))
    rows = [[span for _, span in sorted(level, key=lambda item: item[0])] for level in header]
    row_label = table.rows[0].label
    rows.append([Span(report.text_of(("review_litigation", row_label, "/".join(p)))) for p in paths])
    return rows


# ---- prose -----------------------------------------------------------------------------------------


def section_paragraphs(report: Report, rng: random.Random | None = None) -> dict[int, list[str]]:
    rng = rng or random.Random(report.year)
    out = {}
    for section in report.template.sections:
        sentences = rng.sample(PROSE, 2)
        out[section.number] = [f"{report.year}年，{sentences[0]}，{sentences[1]}。"]
    return out


# ---- DOCX ------------------------------------------------------------------------------------------


def render_docx(
    report: Report, *, split_art20: bool = False, wrapped_labels: bool = False, running_header: bool = False
) -> bytes:
    """A DOCX with the report's prose and real Word tables, merged as in the template.

    With `running_header`, every page carries the body's name as a header and "- N -" as a footer.
    """
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    if running_header:
        section.header.paragraphs[0].text = f"{report.body}政府信息公开专栏"
        _page_number_footer(section.footer.paragraphs[0])
    document.styles["Normal"].font.size = Pt(9)
    document.add_paragraph(report.title)
    tables: dict[str, list[Layout]] = {}
    for layout in layouts(report, split_art20):
        tables.setdefault(layout.heading, []).append(layout)
    prose = section_paragraphs(report)
    for heading in report.template.sections:
        document.add_paragraph(heading.heading)
        for layout in tables.get(heading.heading, []):
            _docx_table(document, layout, wrapped_labels)
        for paragraph in prose[heading.number]:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page_number_footer(paragraph) -> None:
    paragraph.add_run("- ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" -")


def _docx_table(document, layout: Layout, wrapped_labels: bool) -> None:
    grid = layout.full_grid()
    width = len(grid[0])
    table = document.add_table(rows=len(grid), cols=width)
    table.style = "Table Grid"
    cells = table._cells  # one snapshot: table.cell() rebuilds the whole list on every call
    taken: set[tuple[int, int]] = set()
    for r, row in enumerate(layout.rows):
        c = 0
        for span in row:
            while (r, c) in taken:
                c += 1
            cell = cells[r * width + c]
            if span.rowspan > 1 or span.colspan > 1:
                cell = cell.merge(cells[(r + span.rowspan - 1) * width + c + span.colspan - 1])
            _write_cell(cell, span.text, wrapped_labels and span.header)
            taken.update((r + dr, c + dc) for dr in range(span.rowspan) for dc in range(span.colspan))
            c += span.colspan


def _write_cell(cell, text: str, wrapped: bool) -> None:
    if wrapped and len(text) >= 4 and "（" not in text:  # a header label typed over two paragraphs
        half = len(text) // 2
        cell.paragraphs[0].text = text[:half]
        cell.add_paragraph(text[half:])
    else:
        cell.paragraphs[0].text = text
    for paragraph in cell.paragraphs[1:]:
        if not paragraph.text:
            paragraph._p.getparent().remove(paragraph._p)


# ---- HTML ------------------------------------------------------------------------------------------


def render_html(
    report: Report, *, gbk: bool = False, word_pasted: bool = False, th_headers: bool = False, split_art20: bool = False
) -> bytes:
    """A portal article page with the report inline (bytes, in GB18030 when `gbk`)."""
    charset = "gbk" if gbk else "utf-8"
    tables: dict[str, list[Layout]] = {}
    for layout in layouts(report, split_art20):
        tables.setdefault(layout.heading, []).append(layout)
    prose = section_paragraphs(report)
    article = [f"<h1>{html.escape(report.title)}</h1>"]
    for section in report.template.sections:
        article.append(f"<p><strong>{section.heading}</strong></p>")
        article.extend(_html_table(layout, word_pasted, th_headers) for layout in tables.get(section.heading, []))
        article.extend(f"<p>{html.escape(p)}</p>" for p in prose[section.number])
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="ArticleTitle" content="{html.escape(report.title)}"><meta name="SiteIDCode" content="4101000001">
<title>{html.escape(report.title)}_政府信息公开年报_某某市人民政府</title>
<script>var _hmt = _hmt || []; function nav(){{ return "首页"; }}</script></head>
<body><div class="header"><div class="logo">某某市人民政府门户网站</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li>
<li><a href="/zjmc/">走进某某</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt;
<a href="/zwgk/zfxxgknb/">政府信息公开年报</a></div>
<table class="xxgk-meta"><tr><td>索引号：11410000MB1234567X/2024-00012</td>
<td>发布机构：{html.escape(report.body)}</td></tr></table>
<div class="TRS_Editor" id="zoom">{"".join(article)}</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a.html">关于印发某某工作要点的通知</a></li></ul></div>
<div class="footer"><p>主办：某某市人民政府办公室 网站标识码：4101000001 豫ICP备12345678号</p>
<p>版权所有 © 某某市人民政府 联系电话：0371-12345678</p></div></body></html>"""
    return page.encode("gb18030" if gbk else "utf-8")


def _html_table(layout: Layout, word_pasted: bool, th_headers: bool) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" class="MsoNormalTable">' if word_pasted else "<table>"]
    for row in layout.rows:
        out.append("<tr>")
        for span in row:
            tag = "th" if th_headers and span.header else "td"
            attrs = (f' rowspan="{span.rowspan}"' if span.rowspan > 1 else "") + (
                f' colspan="{span.colspan}"' if span.colspan > 1 else ""
            )
            out.append(f"<{tag}{attrs}>{_html_cell(span, word_pasted)}</{tag}>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _html_cell(span: Span, word_pasted: bool) -> str:
    text = html.escape(span.text)
    if span.header and len(span.text) == 4 and "（" not in span.text:
        text = f"{text[:2]}<br>{text[2:]}"  # "结果<br>维持": header labels broken by hand
    if word_pasted:
        style = "font-size:10.5pt;font-family:仿宋_GB2312"
        padding = '<span lang="EN-US">&nbsp;</span>'
        return f'<p class="MsoNormal" align="center"><span style="{style}">{text}</span>{padding}</p>'
    return text


# ---- XLSX ------------------------------------------------------------------------------------------


def render_xlsx(report: Report) -> bytes:
    """A workbook with one sheet per table, merged ranges as in the template, numbers stored as numbers."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for index, layout in enumerate(layouts(report), start=1):
        sheet = workbook.create_sheet(f"表{index}")
        taken: set[tuple[int, int]] = set()
        for r, row in enumerate(layout.rows):
            c = 0
            for span in row:
                while (r, c) in taken:
                    c += 1
                sheet.cell(row=r + 1, column=c + 1, value=_sheet_value(span.text, span.header))
                if span.rowspan > 1 or span.colspan > 1:
                    sheet.merge_cells(
                        start_row=r + 1, start_column=c + 1, end_row=r + span.rowspan, end_column=c + span.colspan
                    )
                taken.update((r + dr, c + dc) for dr in range(span.rowspan) for dc in range(span.colspan))
                c += span.colspan
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_value(text: str, header: bool) -> str | int | float:
    plain = text.replace(",", "")
    if header or not plain.replace(".", "", 1).lstrip("-").isdigit():
        return text
    return float(plain) if "." in plain else int(plain)


def same_grid(got: list[list[str]], expected: list[list[str]]) -> bool:
    """Grids equal, numbers compared as numbers (a spreadsheet stores 1786, the page shows "1,786")."""

    def cell(text: str) -> str | float:
        plain = text.replace(",", "")
        try:
            return float(plain)
        except ValueError:
            return text

    return [[cell(t) for t in row] for row in got] == [[cell(t) for t in row] for row in expected]


def cell_mismatches(record: dict, report: Report) -> dict:
    """{(table, row, col): (found, expected)} for every cell the record gets wrong or misses."""
    found = {(c["table"], c["row"], c["col"]): c["value"] for c in record["cells"]}
    expected = report.expected_cells()
    wrong = {key: (found.get(key), value) for key, value in expected.items() if found.get(key) != value}
    wrong.update({key: (value, None) for key, value in found.items() if key not in expected})
    return wrong


def failing_rules(record: dict) -> set[str]:
    """The identity ids that do not hold (H4.review → H4)."""
    return {check["rule"].split(".")[0] for check in record["checks"] if not check["holds"]}


# ---- PDF (through LibreOffice) ---------------------------------------------------------------------


def render_pdfs(docx_files: list[bytes], timeout: float = 300) -> list[bytes]:
    """PDFs of the given DOCX files, converted in one LibreOffice call."""
    sources = {str(i): (data, "docx") for i, data in enumerate(docx_files)}
    converted = convert_files(sources, "pdf", timeout)
    failed = [key for key, out in converted.items() if not isinstance(out, bytes)]
    if failed:
        raise RuntimeError(f"LibreOffice failed on rendered reports {failed}: {converted[failed[0]]}")
    return [converted[str(i)] for i in range(len(docx_files))]


# Column headings that name none of the template's labels (for padding pages the ruled-table fallback must skip).
UNRELATED_HEADINGS = ("路段", "里程", "进度", "投资", "标段", "单位", "备注")


def padding_docx(pages: int, headings: Sequence[str] = UNRELATED_HEADINGS, columns: int = 4) -> bytes:
    """A DOCX of `pages` pages, each a ruled table of numbers headed by `columns` of `headings` in a different
    order (a header repeated on every page would be dropped as a running header)."""
    document = docx.Document()
    rng = random.Random(3)
    for page in range(pages):
        heading = rng.sample(headings, columns)
        document.add_paragraph(f"附件{page + 1}：统计表")
        table = document.add_table(rows=16, cols=len(heading))
        table.style = "Table Grid"
        for c, text in enumerate(heading):
            table.rows[0].cells[c].text = text
        for row in table.rows[1:]:
            for cell in row.cells:
                cell.text = str(rng.randint(0, 999))
        if page < pages - 1:
            document.add_page_break()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def joined_pdfs(*pdfs: bytes) -> bytes:
    """One PDF with the pages of `pdfs`, in order."""
    joined = pdfium.PdfDocument.new()
    for data in pdfs:
        joined.import_pages(pdfium.PdfDocument(data))
    out = io.BytesIO()
    joined.save(out)
    return out.getvalue()


def numbers_lost(document: Document) -> Document:
    """The text layer with table 三's numbers gone and its labels kept (a text layer that dropped the figures):
    the parse comes out incomplete, so the pipeline calls the ruled-table fallback."""
    start = next(i for i, line in enumerate(document.lines) if line.text.startswith("三、收到和处理"))
    end = next(i for i, line in enumerate(document.lines) if line.text.startswith("四、政府信息公开"))
    lines = list(document.lines[:start])
    for line in document.lines[start:end]:
        words = [word for word in line.text.split() if not is_value(word)]
        lines.append(Line(" ".join(words), line.page))
    lines += document.lines[end:]
    return Document(document.media_type, document.method, lines=lines, pages=document.pages, title=document.title)


# ---- PDF-style broken text -------------------------------------------------------------------------


def render_broken_text(report: Report, rng: random.Random | None = None) -> str:
    """Text as a layout-less PDF extractor gives it (TEMPLATE.md §2.7 shape A): the parser's hardest input."""
    rng = rng or random.Random(report.year)
    lines = [report.title, ""]
    tables = report.template.tables
    prose = section_paragraphs(report)
    for section in report.template.sections:
        lines.append(section.heading)
        if section.number == tables["art20"].section:
            lines.extend(_broken_art20(report, rng))
        elif section.number == tables["applications"].section:
            lines.extend(_broken_applications(report, rng))
        elif section.number == tables["review_litigation"].section:
            lines.extend(_broken_review(report))
        for paragraph in prose[section.number]:
            lines.extend(_wrap(paragraph, 40))
        lines.append("")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def _broken_art20(report: Report, rng: random.Random) -> list[str]:
    out = []
    for block in report.template.tables["art20"].blocks:
        out += [block.item or "", CONTENT_HEADER]
        for col in block.cols:
            out.extend(_wrap(col.label, rng.choice([2, 3, 4])))
        for row in block.rows:
            values = " ".join(report.text_of(("art20", row.label, c.label)) for c in block.cols)
            out.append(f"{row.label} {values}")
    return out


def _broken_applications(report: Report, rng: random.Random) -> list[str]:
    table = report.template.tables["applications"]
    cols = [c.label for c in table.cols]
    out = _wrap(APPLICATIONS_NOTE, 12)
    out += [APPLICANT_HEADER, "自然", "人", "总计商业", "企业", "科研", "机构", "社会", "公益", "组织"]
    out += ["法律", "服务", "机构", "其他"]
    previous: list[str] = []
    for row in table.rows:
        parts = row.label.split("/")
        new_parts = [p for d, p in enumerate(parts) if previous[: d + 1] != parts[: d + 1]]
        previous = parts
        values = [report.text_of(("applications", row.label, col)) for col in cols]
        *groups, label = new_parts or [parts[-1]]
        for group in groups:
            out.extend(_wrap(group, rng.choice([2, 3, 4])))
        if len(label) > 20:
            out.extend(_wrap(label, 20))
            out.append(" ".join(values[:-1]))
            out.append(values[-1])
        else:
            out.append(f"{label} {' '.join(values)}")
    return out


def _broken_review(report: Report) -> list[str]:
    table = report.template.tables["review_litigation"]
    tokens = []
    for col in table.cols:
        for part in col.label.split("/"):
            if part not in tokens or part.startswith(("结果", "其他", "尚未", "总计")):
                tokens.extend(_wrap(part, 2) if part.startswith(("结果", "其他", "尚未")) else [part])
    row = table.rows[0].label
    return [*tokens, " ".join(report.text_of(("review_litigation", row, c.label)) for c in table.cols)]

