"""What a file is, from its bytes alone (never from its name), and how its text is encoded.

Portals name files carelessly (`.doc` files that are HTML error pages, `.pdf` links that return a login
form, DOCX served as `application/octet-stream`), so the reader is chosen by content:

* magic bytes for PDF, RTF, images, OLE2 and ZIP;
* OLE2 (the pre-2007 Office container) is told apart by its stream names with `olefile`: `WordDocument`
  is Word or Kingsoft WPS Writer, `Workbook`/`Book` is Excel, `CONTENTS`/`MatOST` is Microsoft Works.
  WPS Office saves .wps (and its .doc) as the same Word 97 binary in the same container, so Word's
  streams do not tell them apart; its own marks do, and tools that sort WPS files key on them: a
  `WpsCustomData` stream, the user-defined property `KSOProductBuildVer` ("2052-11.1.0.10132") in
  `\x05DocumentSummaryInformation`, and "WPS Office" as the application name in `\x05SummaryInformation`
  (in the property set's code page, UTF-16 when it is 1200). Any one of them makes it WPS
  (`application/wps-office.wps`, which some servers call `application/kswps`); LibreOffice reads it with
  its Word filter either way;
* ZIP by `[Content_Types].xml`: the main part's content type says DOCX or XLSX;
* the rest is text or HTML, told apart by markup near the start once decoded.

Text encodings: a declared charset wins (a BOM, an HTML `<meta charset>`/`http-equiv`, or the caller's
HTTP header) unless the bytes prove it wrong (a GB declaration on valid UTF-8 CJK); any GB label
(gb2312, gbk, gb18030, x-gbk, cp936) is decoded as GB18030, the superset, because Python's `gb2312`
codec fails on GBK-only characters such as 喆, 昇, 堃. Without a declaration UTF-8 is tried strictly,
then GB18030 when it yields Chinese (a prior for this corpus), then charset-normalizer guesses; the codec
chosen is recorded in `Decoded.codec`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import charset_normalizer
import olefile

PDF = "application/pdf"
DOC = "application/msword"
WPS = "application/wps-office.wps"
WORKS = "application/vnd.ms-works"
XLS = "application/vnd.ms-excel"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP = "application/zip"
OLE = "application/x-ole-storage"
ENCRYPTED_OFFICE = "application/x-ms-encrypted-office"  # OOXML saved with a password: an OLE2 EncryptedPackage
RTF = "application/rtf"
HTML = "text/html"
TEXT = "text/plain"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
GIF = "image/gif"
BMP = "image/bmp"
EMPTY = "application/x-empty"
UNKNOWN = "application/octet-stream"

IMAGE_TYPES = frozenset({JPEG, PNG, TIFF, GIF, BMP})
# What the office reader takes: word-processor files, plus the containers it refuses itself with a clear
# error (password-protected OOXML, OLE2 files whose kind cannot be read).
OFFICE_WORD_TYPES = frozenset({DOC, WPS, WORKS, RTF, ENCRYPTED_OFFICE, OLE})
OFFICE_SHEET_TYPES = frozenset({XLS, XLSX})

EXTENSIONS = {
    PDF: "pdf", DOC: "doc", WPS: "wps", WORKS: "wps", XLS: "xls", DOCX: "docx", XLSX: "xlsx", RTF: "rtf",
    HTML: "html", TEXT: "txt", JPEG: "jpg", PNG: "png", TIFF: "tif", GIF: "gif", BMP: "bmp", ZIP: "zip",
}  # fmt: skip

MAGIC = (
    (b"%PDF-", PDF),
    (b"{\\rtf", RTF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"BM", BMP),
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
GB_LABELS = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "gb_2312-80", "euc-cn", "hz-gb-2312", "936"})
WPS_WORDS = ("WPS Office", "Kingsoft", "KSOProductBuildVer")
WPS_MARKERS = tuple(word.encode(codec) for word in WPS_WORDS for codec in ("ascii", "utf-16-le"))
WPS_STREAM = "wpscustomdata"
PROPERTY_STREAMS = ("\x05SummaryInformation", "\x05DocumentSummaryInformation")
PROPERTY_BYTES = 64 * 1024
HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|table|div|p)\b", re.I | re.S
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class Decoded:
    text: str
    codec: str
    declared: str | None = None


def detect(data: bytes) -> str:
    """The media type of `data`, judged by content only."""
    if not data.strip():
        return EMPTY
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    if data.startswith(OLE_MAGIC):
        return _ole_type(data)
    if data.startswith(ZIP_MAGIC):
        return _zip_type(data)
    head = data.lstrip()[:16]
    if head.startswith(b"%PDF-"):  # leading junk before the header, which readers tolerate
        return PDF
    if _looks_binary(data[:SNIFF_BYTES]):
        return UNKNOWN
    return HTML if _looks_like_html(data) else TEXT


def _ole_type(data: bytes) -> str:
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, RuntimeError):
        return _damaged_ole_type(data)
    try:
        streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
        if "encryptedpackage" in streams:
            return ENCRYPTED_OFFICE
        if "worddocument" in streams:
            return WPS if WPS_STREAM in streams or _names_wps(ole) else DOC
        if "workbook" in streams or "book" in streams:
            return XLS
        if "contents" in streams or "matost" in streams:
            return WORKS
        return OLE
    finally:
        ole.close()


def _names_wps(ole: olefile.OleFileIO) -> bool:
    """Whether the property sets name WPS Office (application name, or its KSOProductBuildVer property)."""
    properties = b"".join(ole.openstream(name).read(PROPERTY_BYTES) for name in PROPERTY_STREAMS if ole.exists(name))
    return any(marker in properties for marker in WPS_MARKERS)


def _damaged_ole_type(data: bytes) -> str:
    """An OLE2 file olefile cannot open (truncated): judge by the stream names left in its directory
    sectors (UTF-16LE), so the office reader reports the damage instead of the file being unknown."""
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data:
        return XLS
    return OLE


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError):
        return _damaged_zip_type(data)
    if b"wordprocessingml.document.main" in content_types:
        return DOCX
    if b"spreadsheetml.sheet.main" in content_types:
        return XLSX
    return ZIP


def _damaged_zip_type(data: bytes) -> str:
    """A ZIP without a readable directory (truncated download): judge by the part names in local headers,
    so the DOCX/XLSX reader reports the damage instead of the file being called an unknown ZIP."""
    head = data[: 64 * 1024]
    if b"word/" in head:
        return DOCX
    if b"xl/" in head:
        return XLSX
    return ZIP


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16 text has NULs by nature
    if b"\x00" in head:
        return True
    control = sum(1 for byte in head if byte < 9 or (13 < byte < 32 and byte != 27))
    return control > len(head) * 0.05


def _looks_like_html(data: bytes) -> bool:
    head = data[:SNIFF_BYTES]
    for bom, _ in BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
    if HTML_START.match(head):
        return True
    return bool(re.search(rb"<(?:html|body|table)\b", head, re.I))


def normalise_codec(label: str) -> str:
    """The Python codec for a charset label; any GB label becomes gb18030."""
    label = label.strip().strip("\"'").lower()
    if label in GB_LABELS or label.startswith("gb"):
        return "gb18030"
    if label in {"utf8", "utf-8"}:
        return "utf-8"
    return label


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in its first bytes (meta charset / http-equiv), if any."""
    match = META_CHARSET.search(data[:SNIFF_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """Decode text or HTML bytes: BOM, then the declared charset (argument or meta tag), then detection."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(codec, errors="replace"), codec, codec)
    declared = declared or declared_charset(data)
    if declared:
        codec = normalise_codec(declared)
        if codec == "gb18030" and not data.isascii() and _strict_utf8(data) is not None:
            # GB18030 decodes nearly any bytes, so a wrong GB declaration never fails; CJK text in GBK is
            # practically never valid UTF-8, while migrated pages often keep their old GBK meta tag.
            return Decoded(_strict_utf8(data), "utf-8", declared)
        try:
            return Decoded(data.decode(codec), codec, declared)
        except LookupError:
            pass  # an unknown label: fall through to detection
        except UnicodeDecodeError:
            guess = _guess(data)
            if guess is not None:  # the declaration lies (common on migrated portals): trust the bytes
                return Decoded(guess[0], guess[1], declared)
            return Decoded(data.decode(codec, errors="replace"), codec, declared)
    guess = _guess(data)
    if guess is None:
        return Decoded(data.decode("utf-8", errors="replace"), "utf-8")
    return Decoded(*guess)


CHINESE = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef“”‘’]")


def _mostly_chinese(text: str) -> bool:
    """Nine in ten non-ASCII characters are Chinese ideographs or CJK/full-width punctuation."""
    wide = sum(1 for c in text if ord(c) > 0x7F)
    return wide > 0 and len(CHINESE.findall(text)) >= 0.9 * wide


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _guess(data: bytes) -> tuple[str, str] | None:
    """Strict UTF-8, then GB18030 when it reads as Chinese, then charset-normalizer.

    The GB18030 step is a prior for this corpus: on a short GBK string ("年度报告") charset-normalizer
    guesses cp949 (Korean) as readily as GB; bytes that decode strictly as GB18030 into mostly Chinese
    ideographs are Chinese.
    """
    text = _strict_utf8(data)
    if text is not None:
        return text, "utf-8"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _mostly_chinese(text):
        return text, "gb18030"
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    codec = normalise_codec(best.encoding)
    try:
        return data.decode(codec), codec
    except (UnicodeDecodeError, LookupError):
        return str(best), best.encoding
