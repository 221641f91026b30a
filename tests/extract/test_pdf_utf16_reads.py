"""The PDF reader's UTF-16 reads: the document title (the Info dictionary's Title as pypdfium2 reads it,
stripped, None when empty, whatever its length and encoding) and the size-class buffers text is read into."""

import pypdfium2 as pdfium
import pytest

from extract.readers.pdf import _title, _utf16_buffer


def _pdf_with_title(title: bytes) -> bytes:
    """A one-page PDF whose Info dictionary holds `title` (a PDF string object, literal or hex)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] >>",
        b"<< /Title " + title + b" >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size 5 /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref


CHINESE = "某某市人民政府办公室2024年政府信息公开工作年度报告"


@pytest.mark.parametrize(("title", "expected"), [
    (b"(Annual report)", "Annual report"),
    (b"(  padded  )", "padded"),
    (b"<FEFF" + CHINESE.encode("utf-16-be").hex().encode() + b">", CHINESE),
    (b"(" + b"x" * 3000 + b")", "x" * 3000),
    (b"()", None),
])
def test_the_title_is_the_metadata_title_stripped(title, expected):
    pdf = pdfium.PdfDocument(_pdf_with_title(title))
    try:
        assert _title(pdf) == expected == ((pdf.get_metadata_value("Title") or "").strip() or None)
    finally:
        pdf.close()


@pytest.mark.parametrize("units", [0, 1, 2, 3, 1023, 1024, 1025, 70_000])
def test_a_text_buffer_holds_the_units_asked_for_and_its_size_class_shares_one_ctypes_type(units):
    buffer = _utf16_buffer(units)
    assert len(buffer) >= max(units, 1) and len(buffer) <= 2 * max(units, 1)
    same_class = {len(buffer) // 2, len(buffer) - 1}  # every length of the class: one array type, no new one
    assert {type(_utf16_buffer(n)) for n in same_class} == {type(buffer)}
