"""A corpus of bad input, generated here: every case becomes a clear error code in the record's `errors`,
nothing is invented, and a batch with bad files in it still reads the good ones."""

import io
import json
import random
import struct
import sys
import zipfile

import olefile
import pypdfium2 as pdfium
import pytest

from extract.batch import extract_paths
from extract.errors import CODES, ReadError
from extract.limits import Limits
from extract.pipeline import extract_bytes, extract_path
from extract.readers import office
from extract.readers import pdf as pdf_reader
from extract.readers.html import read_html
from tests.generate import make_report, render_docx, render_html, render_xlsx

REPORT = make_report(random.Random(41))
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)
PDF_PASSWORD = json.dumps(
    {"EncryptFile": {"type": "boolean", "value": "true"}, "DocumentOpenPassword": {"type": "string", "value": "s"}}
)
RUISHU = (
    "<html><head><meta content=\"wJq7f\" r='m'><script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];"
    "if(!$_ts)$_ts={};$_ts.nsd=84179;$_ts.cd=\"qxaArAAlqGL\";</script>"
    "<script type=\"text/javascript\" charset=\"utf-8\" src=\"/4QbVtADbnLVIc/c.FxJzG50F.js\" r='m'></script>"
    "</head><body></body></html>"
)
JIASULE = (
    "<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
    "+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(-~[]+'');location.href=location.pathname+location.search"
    "</script></body></html>"
)
WZWS = (
    '<html><head><script>var wzwsquestion="U1YjVF";var wzwsfactor="8410";var wzwsmethod="post";'
    'var wzwsparams="wzwsconfirm";</script></head><body><noscript>请开启JavaScript</noscript></body></html>'
)
LOGIN = (
    '<html><head><meta charset="utf-8"><title>统一身份认证平台</title></head><body><form action="/login">'
    '用户名：<input name="username"> 密码：<input type="password" name="password">'
    "验证码：<input name=\"captcha\"><button>登录</button></form></body></html>"
)


@pytest.fixture(scope="module")
def office_made():
    """A Word DOC and a password-protected PDF, made from the rendered report in LibreOffice batches."""
    docx = render_docx(REPORT)
    doc = office.convert_files({"doc": (docx, "docx")}, "doc", 120)["doc"]
    encrypted = office.convert_files({"pdf": (docx, "docx")}, f"pdf:writer_pdf_Export:{PDF_PASSWORD}", 120)["pdf"]
    text_pdf = office.convert_files({"pdf": (docx, "docx")}, "pdf", 120)["pdf"]
    return {"docx": docx, "doc": doc, "encrypted_pdf": encrypted, "pdf": text_pdf}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _understated_bomb() -> bytes:
    """A DOCX whose directory claims its 30 MB document is 1 kB: it slips past the size check and must
    still not inflate (zipfile stops at the declared size and fails the CRC)."""
    size = 30 * 1024 * 1024
    data = _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": b" " * size})
    return data.replace(struct.pack("<I", size), struct.pack("<I", 1024))


def _password_doc(doc: bytes, tmp_path) -> bytes:
    path = tmp_path / "locked.bin"
    path.write_bytes(doc)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[11] |= 0x01  # FibBase.fEncrypted
        ole.write_stream("WordDocument", bytes(stream))
    return path.read_bytes()


def _bad_corpus(made: dict[str, bytes], tmp_path) -> dict[str, tuple[bytes, str]]:
    """name → (bytes, the error code a record must carry)."""
    pdf, docx = made["pdf"], made["docx"]
    return {
        "empty": (b"", "empty"),
        "blank": (b" \r\n\t \n", "empty"),
        "truncated_pdf": (pdf[: len(pdf) // 2], "pdf_corrupt"),
        "corrupt_pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "pdf_corrupt"),
        "encrypted_pdf": (made["encrypted_pdf"], "pdf_encrypted"),
        "zip_bomb_docx": (
            _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": b" " * (40 * 1024 * 1024)}),
            "zip_bomb",
        ),
        "understated_bomb_docx": (_understated_bomb(), "docx_corrupt"),
        "truncated_docx": (docx[: len(docx) // 2], "zip_corrupt"),
        "corrupt_docx": (
            _zip({"[Content_Types].xml": CONTENT_TYPES.encode(), "word/document.xml": b"<w:document"}),
            "docx_corrupt",
        ),
        "password_doc": (_password_doc(made["doc"], tmp_path), "password_protected"),
        "truncated_doc": (made["doc"][: len(made["doc"]) // 2], "ole_corrupt"),
        "ruishu_412": (RUISHU.encode(), "challenge_page"),
        "jiasule_521": (JIASULE.encode(), "challenge_page"),
        "wzws": (WZWS.encode(), "challenge_page"),
        "login": (LOGIN.encode(), "login_page"),
        "binary": (bytes(range(256)) * 16, "unsupported_format"),
    }


def test_every_bad_input_is_a_clean_error_with_its_code(office_made, tmp_path):
    for name, (data, code) in _bad_corpus(office_made, tmp_path).items():
        if code in ("password_protected", "ole_corrupt"):  # office formats are read through the batch converter
            record = next(extract_paths([_write(tmp_path, name, data)]))
        else:
            record = extract_bytes(data, {"path": name})
        assert [e["code"] for e in record["errors"]] == [code], name
        assert record["errors"][0]["message"], name
        assert not record.get("cells"), name


def test_a_batch_with_bad_files_still_reads_the_good_ones(office_made, tmp_path):
    corpus = _bad_corpus(office_made, tmp_path)
    paths = [_write(tmp_path, name, data) for name, (data, _) in corpus.items()]
    good = [_write(tmp_path, "good_docx", office_made["docx"]), _write(tmp_path, "good_doc", office_made["doc"])]
    records = list(extract_paths(paths[:7] + good[:1] + paths[7:] + good[1:]))
    assert len(records) == len(paths) + 2
    by_path = {record["source"]["path"]: record for record in records}
    for path, (_, code) in zip(paths, corpus.values(), strict=True):
        assert [e["code"] for e in by_path[path]["errors"]] == [code], path
    for path in good:
        assert by_path[path]["errors"] == []
        assert len(by_path[path]["cells"]) == 200


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    path = _write(tmp_path, "huge.pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))
    record = extract_path(path, Limits(max_file_bytes=1024 * 1024))
    assert [e["code"] for e in record["errors"]] == ["too_large"]


def test_pdfs_over_the_page_limit_are_refused(office_made):
    with pytest.raises(ReadError) as caught:
        pdf_reader.read_pdf(office_made["pdf"], Limits(max_pages=1))
    assert caught.value.code == "too_many_pages"


def test_a_pdf_without_text_layer_and_no_ocr_reader_says_it_needs_ocr(monkeypatch):
    document = pdfium.PdfDocument.new()
    document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    monkeypatch.setitem(sys.modules, "extract.readers.ocr", None)  # as if OCR could not be imported
    with pytest.raises(ReadError) as caught:
        pdf_reader.read_pdf(out.getvalue())
    assert caught.value.code == "needs_ocr"


def test_a_report_page_with_a_login_box_in_its_header_is_still_a_report():
    login_box = '<form>用户名<input name="u"> 密码<input type="password"> 登录</form>'
    page = render_html(REPORT).decode().replace('<div class="position">', login_box + '<div class="position">')
    assert read_html(page.encode()).tables


def test_error_codes_are_declared_with_a_default_message():
    assert all(message for message in CODES.values())
    with pytest.raises(ValueError):
        ReadError("no_such_code")


def _write(folder, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def test_spreadsheets_too_big_for_a_report_are_refused_before_loading(monkeypatch):
    monkeypatch.setattr(office, "MAX_SHEET_XML_BYTES", 1000)
    with pytest.raises(ReadError) as caught:
        office.read_xlsx(render_xlsx(REPORT))
    assert caught.value.code == "too_large"
