"""What the PDF ruled-table fallback costs on a long PDF, without limits (every page, as before) and within them.

Builds one report's PDF after `--pages` pages of other ruled tables (one LibreOffice call), twice: padding
whose text names none of the template's labels, and padding whose pages each name a few (column labels
such as 自然人/商业企业/科研机构 over every page's table: the page limit then binds). The text layer is "broken" by
dropping table 三's numbers, so the pipeline calls the fallback. For each, prints the pages pdfplumber read,
the seconds of the unlimited read (`table_grids`, every page) and of the limited one (`read_tables` with the
default limits), the ratio, and the cells recovered by the whole pipeline within the limits.
Timings are wall-clock on a shared machine: compare the ratio, not the seconds. Run from the repository root:
    .venv/bin/python bench/table_fallback.py [--pages 120]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from extract.document import Document, Line  # noqa: E402
from extract.limits import Limits  # noqa: E402
from extract.pipeline import extract_bytes  # noqa: E402
from extract.readers.pdf import read_pdf  # noqa: E402
from extract.table_fallback import read_tables, table_grids  # noqa: E402
from extract.template import load_template  # noqa: E402
from extract.values import is_value  # noqa: E402
from tests.generate import make_report, render_docx, render_pdfs  # noqa: E402


def padding_docx(pages: int, labels: list[str], columns: int = 4) -> bytes:
    """`pages` pages, each a ruled table of numbers headed by `columns` of `labels` in a different order
    (a header repeated on every page would be dropped as a running header)."""
    document = docx.Document()
    rng = random.Random(3)
    for page in range(pages):
        heading = rng.sample(labels, columns)
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


def joined(*pdfs: bytes) -> bytes:
    out_pdf = pdfium.PdfDocument.new()
    for data in pdfs:
        out_pdf.import_pages(pdfium.PdfDocument(data))
    out = io.BytesIO()
    out_pdf.save(out)
    return out.getvalue()


def numbers_lost(document: Document) -> Document:
    """Table 三's numbers dropped from the text layer, its labels kept: the parse comes out incomplete."""
    start = next(i for i, line in enumerate(document.lines) if line.text.startswith("三、收到和处理"))
    end = next(i for i, line in enumerate(document.lines) if line.text.startswith("四、政府信息公开"))
    lines = list(document.lines[:start])
    lines += [Line(" ".join(w for w in line.text.split() if not is_value(w)), line.page)
              for line in document.lines[start:end]]  # fmt: skip
    lines += document.lines[end:]
    return Document(document.media_type, document.method, lines=lines, pages=document.pages, title=document.title)


def measure(name: str, pdf: bytes) -> None:
    broken = numbers_lost(read_pdf(pdf))
    template = load_template("2021")
    started = time.perf_counter()
    every_page = table_grids(pdf)
    unlimited = time.perf_counter() - started
    started = time.perf_counter()
    read = read_tables(pdf, broken, template, Limits())
    limited = time.perf_counter() - started
    record = extract_bytes(pdf, {"path": f"{name}.pdf"}, Limits(), document=broken)
    limits = [w["limit"] for w in record["warnings"] if w["code"] == "table_fallback_limit"]
    print(f"{name}: {broken.pages} pages; unlimited read {broken.pages} pages, {len(every_page)} grids, "
          f"{unlimited:.2f} s; limited read {len(read.pages_read)} pages {read.pages_read}, {limited:.2f} s "
          f"(x{unlimited / limited:.1f} faster); pipeline within limits: {len(record['cells'])} cells, "
          f"method {record['method']}, limit warnings {limits or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120, help="padding pages before the report")
    args = parser.parse_args()
    report = make_report(random.Random(11))
    unlabelled = padding_docx(args.pages, ["路段", "里程", "进度", "投资", "标段", "单位", "备注"])
    labelled = padding_docx(args.pages, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "行政许可",
                                         "行政处罚"])
    report_pdf, plain_pdf, labelled_pdf = render_pdfs([render_docx(report), unlabelled, labelled])
    print(f"load average {os.getloadavg()[0]:.2f} at start; defaults: {Limits().table_fallback_pages} pages, "
          f"{Limits().table_fallback_seconds:g} s")
    measure("unlabelled-padding", joined(plain_pdf, report_pdf))
    measure("labelled-padding", joined(labelled_pdf, report_pdf))
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
