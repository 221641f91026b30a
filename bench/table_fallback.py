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
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.limits import Limits  # noqa: E402
from extract.pipeline import extract_bytes  # noqa: E402
from extract.readers.pdf import read_pdf  # noqa: E402
from extract.table_fallback import read_tables, table_grids  # noqa: E402
from extract.template import load_template  # noqa: E402
from tests.generate import joined_pdfs, make_report, numbers_lost, padding_docx, render_docx, render_pdfs  # noqa: E402


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
    unlabelled = padding_docx(args.pages)
    labelled = padding_docx(args.pages, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "行政许可",
                                         "行政处罚"])
    report_pdf, plain_pdf, labelled_pdf = render_pdfs([render_docx(report), unlabelled, labelled])
    print(f"load average {os.getloadavg()[0]:.2f} at start; defaults: {Limits().table_fallback_pages} pages, "
          f"{Limits().table_fallback_seconds:g} s")
    measure("unlabelled-padding", joined_pdfs(plain_pdf, report_pdf))
    measure("labelled-padding", joined_pdfs(labelled_pdf, report_pdf))
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
