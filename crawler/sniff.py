"""Media type by magic bytes, never by the server's Content-Type or the URL alone.

Portals serve PDFs as application/octet-stream, HTML error pages under .pdf names and Word files as
text/html; the capture index records what the bytes are. A small table of signatures rather than
python-magic (needs libmagic) or `filetype` (no HTML/XML/JSON, and no way to tell the OLE2 family
apart): OLE2 containers (.doc/.xls/.wps) and ZIP containers (.docx/.xlsx) are told apart by their
member names or, failing that, by the URL's extension.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlsplit

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIMPLE = (
    (b"%PDF-", "application/pdf"),
    (b"{\\rtf", "application/rtf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
_OLE_BY_EXTENSION = {
    "doc": "application/msword",
    "wps": "application/vnd.ms-works",
    "xls": "application/vnd.ms-excel",
    "et": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
_ZIP_MEMBERS = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
EXTENSIONS = {
    "application/pdf": "pdf",
    "application/rtf": "rtf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/tiff": "tif",
    "image/bmp": "bmp",
    "application/msword": "doc",
    "application/vnd.ms-works": "wps",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/x-ole-storage": "ole",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/zip": "zip",
    "text/html": "html",
    "application/xml": "xml",
    "application/json": "json",
    "text/plain": "txt",
    "application/octet-stream": "bin",
}
DOCUMENT_TYPES = frozenset(EXTENSIONS) - {"text/html", "application/xml", "application/json", "text/plain"}


def _extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""


def _zip_type(body: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "application/zip"
    for prefix, media_type in _ZIP_MEMBERS:
        if any(name.startswith(prefix) for name in names):
            return media_type
    return "application/zip"


def _text_type(head: bytes) -> str:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<body", b"<script", b"<title")):
        return "text/html"
    if b"<html" in start[:1024] or b"<body" in start[:2048]:
        return "text/html"
    if start.startswith(b"<?xml") or start.startswith(b"<datastore"):
        return "application/xml"
    if start[:1] in (b"{", b"[") and start.rstrip()[-1:] in (b"}", b"]"):
        return "application/json"
    if b"\x00" in head:
        return "application/octet-stream"
    return "text/plain"


def media_type(body: bytes, url: str = "") -> str:
    """The media type the bytes are (see the module docstring); `url` only refines OLE2 files."""
    head = body[:4096]
    for magic, kind in _SIMPLE:
        if head.startswith(magic):
            return kind
    if head.startswith(OLE2_MAGIC):
        return _OLE_BY_EXTENSION.get(_extension(url), "application/x-ole-storage")
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(body)
    if not head:
        return "application/octet-stream"
    return _text_type(head)


def extension_for(kind: str) -> str:
    """The file extension the content-addressed store uses for a media type."""
    return EXTENSIONS.get(kind, "bin")
