"""Where the parsing time goes: CPU milliseconds per report for each stage of `extract_document`.

Generates N reports with random numbers (tests/generate.py), renders them as PDFs (one LibreOffice call)
and as PDF-style broken text, reads each once, then times each stage of the parse on the same documents,
next to bare pypdfium2 `get_text_bounded()` on the same PDFs (the baseline of bench/extract.py's ratio).
Every figure is the CPU time of the best of `--rounds` rounds. Run from the repository root:
    .venv/bin/python bench/parse.py [--reports 12] [--rounds 5]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from extract.checks import evaluate, narrative_warnings  # noqa: E402
from extract.document import Document, Line  # noqa: E402
from extract.metadata import detect_template, find_title  # noqa: E402
from extract.normalize import drop_page_furniture, paragraphs  # noqa: E402
from extract.pipeline import extract_document  # noqa: E402
from extract.readers.pdf import read_pdf  # noqa: E402
from extract.sections import split_sections  # noqa: E402
from extract.tables import parse_tables  # noqa: E402
from extract.template import load_template  # noqa: E402
from tests.generate import make_report, render_broken_text, render_docx, render_pdfs  # noqa: E402


def best_cpu_ms(work: Callable[[], object], rounds: int, per: int) -> float:
    """CPU milliseconds per item (`per` items per call), best of `rounds` calls after one warm-up."""
    work()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times) / per * 1000


def bare_pdfium(pdfs: list[bytes]) -> None:
    for data in pdfs:
        pdf = pdfium.PdfDocument(data)
        for index in range(len(pdf)):
            page = pdf[index]
            text_page = page.get_textpage()
            text_page.get_text_bounded()
            text_page.close()
            page.close()
        pdf.close()


def stages(docs: list[Document]) -> dict[str, Callable[[], object]]:
    paras = [paragraphs(drop_page_furniture(d.lines)) for d in docs]
    texts = ["\n".join(p) for p in paras]
    templates = [load_template(detect_template(t)[0]) for t in texts]
    cells = [parse_tables(d, t).cells for d, t in zip(docs, templates, strict=True)]
    every = list(zip(docs, paras, texts, templates, cells, strict=True))
    return {
        "text cleaning": lambda: [paragraphs(drop_page_furniture(d.lines)) for d in docs],
        "template detection": lambda: [detect_template(t) for t in texts],
        "title": lambda: [find_title(p, d.title) for d, p, *_ in every],
        "sections": lambda: [split_sections(p, t) for _, p, _, t, _ in every],
        "tables": lambda: [parse_tables(d, t) for d, _, _, t, _ in every],
        "checks": lambda: [evaluate(t, c) for _, _, _, t, c in every],
        "soft checks": lambda: [narrative_warnings(t, c, x[:2000]) for _, _, x, t, c in every],
        "extract_document (all)": lambda: [extract_document(d, {"path": "bench"}) for d in docs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    reports = [make_report(random.Random(seed), "2019" if seed % 3 == 0 else "2021") for seed in range(args.reports)]
    pdfs = render_pdfs([render_docx(r, wrapped_labels=i % 2 == 0) for i, r in enumerate(reports)])
    pages = sum(len(pdfium.PdfDocument(data)) for data in pdfs)
    pdf_docs = [read_pdf(data) for data in pdfs]
    text_docs = [Document("text/plain", "text", lines=[Line(t) for t in render_broken_text(r).split("\n")])
                 for r in reports]
    bare = best_cpu_ms(lambda: bare_pdfium(pdfs), args.rounds, len(pdfs))
    print(f"{len(reports)} reports, {pages} PDF pages; CPU ms per report, best of {args.rounds} rounds\n")
    print(f"  {'bare pypdfium2 get_text_bounded':34s} {bare:7.2f}")
    print(f"  {'our PDF reader':34s} {best_cpu_ms(lambda: [read_pdf(d) for d in pdfs], args.rounds, len(pdfs)):7.2f}")
    for kind, docs in (("PDF text", pdf_docs), ("broken text", text_docs)):
        print(f"\nparse stages, {kind}:")
        for name, work in stages(docs).items():
            ms = best_cpu_ms(work, args.rounds, len(docs))
            print(f"  {name:34s} {ms:7.2f}   ({ms / bare:.2f} × bare pypdfium2)")


if __name__ == "__main__":
    main()
