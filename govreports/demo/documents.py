"""The demo portal's documents: the three sample reports shipped with the package and reports generated
from them (another body, another year), rendered in the formats portals publish.

- HTML: the report inline in an article page, one `<p>` per line (as CMS editors paste it);
- DOCX: python-docx, one paragraph per line;
- PDF and DOC: the DOCX converted by LibreOffice in one call (extract.readers.office.convert_files);
- scanned PDF: the first page of a PDF rendered to a grey image (pypdfium2) and saved as an image-only PDF
  (Pillow), so only OCR can read it;
- bad files: a truncated PDF, a DOCX that is not a ZIP, an empty "PDF" — what the extractor must record
  as errors without losing the good reports.

Converted files are cached under a directory the caller names, keyed by the hash of their source, so a
second `govreports demo` does not start LibreOffice again.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import docx

SAMPLES = files("govreports.demo") / "reports"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SampleText:
    """A report as text: its title (spaces removed, as listings show it) and its lines after the title."""

    name: str
    title: str
    lines: tuple[str, ...]

    def retitled(self, body: str, year: int, old_body: str, old_year: int) -> SampleText:
        """The same report as if `body` had published it for `year` (numbers unchanged)."""

        def swap(text: str) -> str:
            return text.replace(old_body, body).replace(str(old_year), str(year))

        return SampleText(f"{self.name}-{body}-{year}", swap(self.title), tuple(swap(line) for line in self.lines))


def sample_texts() -> list[SampleText]:
    """The three sample reports shipped in govreports/demo/reports, in file-name order."""
    texts = []
    for resource in sorted(SAMPLES.iterdir(), key=lambda item: item.name):
        if not resource.name.endswith(".txt"):
            continue
        lines = resource.read_text(encoding="utf-8").splitlines()
        first = next(index for index, line in enumerate(lines) if line.strip())
        title = _SPACES.sub("", lines[first])
        texts.append(SampleText(resource.name.removesuffix(".txt"), title, tuple(lines[first + 1 :])))
    return texts


def article_html(report: SampleText) -> str:
    """The report inline, one paragraph per non-empty line."""
    return "".join(f"<p>{html.escape(line)}</p>" for line in report.lines if line.strip())


def render_docx(report: SampleText) -> bytes:
    document = docx.Document()
    document.add_heading(report.title, level=1)
    for line in report.lines:
        if line.strip():
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def convert(docx_files: dict[str, bytes], target: str, cache: Path) -> dict[str, bytes]:
    """DOCX files converted to `target` ("pdf", "doc") by LibreOffice, from the cache when already done.

    Files LibreOffice could not convert (or all of them, when it is not installed) are left out: the
    demo then serves fewer formats and says so, it does not fail.
    """
    from extract.errors import ReadError
    from extract.readers.office import convert_files

    cache.mkdir(parents=True, exist_ok=True)
    done: dict[str, bytes] = {}
    todo: dict[str, tuple[bytes, str]] = {}
    for key, data in docx_files.items():
        cached = cache / f"{hashlib.sha256(data).hexdigest()}.{target}"
        if cached.exists():
            done[key] = cached.read_bytes()
        else:
            todo[key] = (data, "docx")
    if todo:
        try:
            converted = convert_files(todo, target, timeout=300)
        except ReadError:
            converted = {}
        for key, output in converted.items():
            if isinstance(output, bytes):
                cached = cache / f"{hashlib.sha256(todo[key][0]).hexdigest()}.{target}"
                cached.write_bytes(output)
                done[key] = output
    return done


def scanned_pdf(pdf: bytes, dpi: int = 150) -> bytes:
    """The first page of `pdf` as an image-only PDF (a scan without a text layer)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=dpi)
    return out.getvalue()


def bad_files(good_pdf: bytes, good_docx: bytes) -> dict[str, bytes]:
    """Files real portals serve that cannot be read, named for what is wrong with them."""
    return {
        "truncated.pdf": good_pdf[: len(good_pdf) // 3],
        "not-a-zip.docx": b"PK\x03\x04" + good_docx[4:200],
        "empty.pdf": b"",
    }
