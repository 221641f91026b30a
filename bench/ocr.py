"""OCR benchmark: per-engine page time, share of cells right per engine and after arbitration.

Generates scanned reports (tests/extract/scanned_report.py: the three tables with random numbers that
satisfy the identities, as an image-only PDF), reads them with both engines, parses each engine's text with
the project's parser and arbitrates. Prints, per scan condition:

* seconds per page for each engine (one thread each), wall clock and CPU (CPU stays put on a busy machine),
  and the CPU cost of preparing a page (render, deskew, ruling lines erased; shared by both engines);
* cells right for each engine alone, and after arbitration (target: >= 99 %);
* cells marked uncertain, and cells wrong but NOT marked uncertain (the gate: must be 0);
* with --psm, Tesseract's cells right with --psm 4 and --psm 6 on the same pages.

Run from the repository root:  .venv/bin/python bench/ocr.py [--reports 3] [--psm]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import ImageFilter

from extract.document import Document, Line
from extract.pipeline import extract_bytes
from extract.readers.ocr import load_pages, mend_table_digits, prepare, read_pdf, tesseract_lines
from extract.tables import parse_tables
from extract.template import load_template
from tests.extract.scanned_report import degrade, random_values, render_report, to_pdf

TEMPLATE = load_template("2021")


@dataclass(frozen=True)
class Condition:
    name: str
    dpi: int
    angle: float
    speckles: int
    blur: float
    bilevel: bool = False


CONDITIONS = (
    Condition("clean 200 dpi", 200, 0.4, 400, 0.0),
    Condition("rough 150 dpi", 150, 1.0, 1500, 0.6),
    Condition("black-and-white 200 dpi", 200, 1.5, 800, 0.8, bilevel=True),
)


def scan(values: dict, condition: Condition, rng: random.Random) -> bytes:
    pages = render_report(values, dpi=condition.dpi)
    pages = [degrade(page, rng, angle=condition.angle, speckles=condition.speckles) for page in pages]
    if condition.blur:
        pages = [page.filter(ImageFilter.GaussianBlur(condition.blur)) for page in pages]
    if condition.bilevel:  # a fax-like scan: every pixel black or white, strokes ragged
        pages = [page.point(lambda v: 0 if v < 150 else 255) for page in pages]
    return to_pdf(pages, condition.dpi)


def share_right(cells: list[dict], values: dict) -> int:
    return sum(cell["value"] == values[(cell["table"], cell["row"], cell["col"])] for cell in cells)


def run_condition(condition: Condition, reports: int, seed: int, compare_psm: bool) -> dict:
    rng = random.Random(seed)
    totals = {"cells": 0, "final_right": 0, "uncertain": 0, "silent": 0, "pages": 0}
    engine_right: dict[str, int] = {}
    engine_seconds: dict[str, float] = {}
    engine_cpu: dict[str, float] = {}
    psm_right = {4: 0, 6: 0}
    prepare_cpu = 0.0
    for _ in range(reports):
        values = random_values(TEMPLATE, rng)
        data = scan(values, condition, rng)
        doc = read_pdf(data)
        started = time.process_time()
        for page in load_pages(data):
            prepare(page)
        prepare_cpu += time.process_time() - started
        totals["pages"] += doc.pages
        totals["cells"] += len(values)
        for reading in doc.readings:
            cells = parse_tables(reading.document, TEMPLATE).cells
            engine_right[reading.engine] = engine_right.get(reading.engine, 0) + share_right(cells, values)
            engine_seconds[reading.engine] = engine_seconds.get(reading.engine, 0.0) + reading.seconds
            engine_cpu[reading.engine] = engine_cpu.get(reading.engine, 0.0) + reading.cpu_seconds
        record = extract_bytes(data, {"path": "bench.pdf"}, document=doc)
        cells = record["cells"]
        totals["final_right"] += share_right(cells, values)
        totals["uncertain"] += sum(cell["uncertain"] for cell in cells)
        totals["silent"] += sum(
            cell["value"] != values[(cell["table"], cell["row"], cell["col"])] and not cell["uncertain"]
            for cell in cells
        )
        if compare_psm:
            for psm in psm_right:
                psm_right[psm] += tesseract_cells_right(data, values, psm)
    times = {engine: (engine_seconds[engine], engine_cpu[engine]) for engine in engine_seconds}
    times["page preparation"] = (float("nan"), prepare_cpu)
    print_condition(condition, totals, engine_right, times, psm_right if compare_psm else None)
    cells, pages = totals["cells"], totals["pages"]
    return {
        **{f"{engine}_right": round(right / cells, 4) for engine, right in engine_right.items()},
        "arbitrated_right": round(totals["final_right"] / cells, 4),
        "uncertain": round(totals["uncertain"] / cells, 4),
        "silently_wrong": totals["silent"],
        **{f"{engine}_cpu_s_per_page": round(times[engine][1] / pages, 2) for engine in engine_right},
    }


def tesseract_cells_right(data: bytes, values: dict, psm: int) -> int:
    pages = [prepare(page) for page in load_pages(data)]
    lines = [Line(mend_table_digits(text), n) for n, page in enumerate(pages, 1) for text in tesseract_lines(page, psm)]
    doc = Document(media_type="application/pdf", method="ocr", lines=lines, pages=len(pages), ocr=True)
    return share_right(parse_tables(doc, TEMPLATE).cells, values)


def print_condition(condition, totals, engine_right, times, psm_right) -> None:
    cells, pages = totals["cells"], totals["pages"]
    print(f"\n## {condition.name} (rotation ≤ {condition.angle}°, {condition.speckles} specks/page, "
          f"blur {condition.blur}{', thresholded' if condition.bilevel else ''}) — {cells} cells on {pages} pages")
    print(f"{'reading':<26}{'s/page':>8}{'cpu s/page':>12}{'cells right':>14}")
    for engine, (wall, cpu) in times.items():
        right = f"{engine_right[engine] / cells:>13.1%}" if engine in engine_right else ""
        print(f"{engine:<26}{wall / pages:>8.2f}{cpu / pages:>12.2f}{right}")
    print(f"{'arbitrated (identities)':<26}{'':>8}{totals['final_right'] / cells:>13.1%}")
    print(f"uncertain: {totals['uncertain'] / cells:.1%}   wrong and not uncertain: {totals['silent']}")
    if psm_right:
        print("tesseract alone, cells right: " + ", ".join(f"--psm {p}: {r / cells:.1%}" for p, r in psm_right.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3, help="scanned reports per condition")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--psm", action="store_true", help="also compare Tesseract --psm 4 and 6")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = {condition.name: run_condition(condition, args.reports, args.seed, args.psm) for condition in CONDITIONS}
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
