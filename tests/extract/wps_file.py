"""Kingsoft WPS Writer files for tests, built to carry what real ones carry.

WPS Office saves its .wps (and the .doc it writes) as a Word 97 binary inside an OLE2 compound file, like
Word, and marks it three ways that other tools key on: a `WpsCustomData` stream beside `WordDocument`, a
user-defined document property `KSOProductBuildVer` ("2052-11.1.0.10132": locale and build) in
`\\x05DocumentSummaryInformation`, and "WPS Office" as the application name (PIDSI_APPNAME) in
`\\x05SummaryInformation`. LibreOffice writes the Word binary and the custom property (from the DOCX's
docProps/custom.xml, as WPS writes it there too); olefile cannot add streams, so `compound_file` writes a
new container holding LibreOffice's streams plus the extra ones (MS-CFB v3: 512-byte sectors, streams under
4096 bytes in the mini stream).
"""

from __future__ import annotations

import io
import struct
import zipfile

import olefile

from extract.readers.office import convert_files

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
WORD_CLSID = bytes.fromhex("0609020000000000c000000000000046")  # {00020906-0000-0000-C000-000000000046}
BUILD = "2052-11.1.0.10132"
APP_NAME = "WPS Office"
PIDSI_TITLE = 0x02
PIDSI_APPNAME = 0x12
VT_I2 = 0x02
VT_LPSTR = 0x1E
FMTID_SUMMARY = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")  # {F29F85E0-4FF9-1068-AB91-08002B27B3D9}

CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
    f"<vt:lpwstr>{BUILD}</vt:lpwstr></property></Properties>"
)
CUSTOM_TYPE = b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'  # noqa: E501
CUSTOM_REL = b'<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'  # noqa: E501


def word_docs(docx: bytes) -> tuple[bytes, bytes]:
    """LibreOffice's Word 97 binary of the DOCX, without and with the KSOProductBuildVer property (one call)."""
    sources = {"plain": (docx, "docx"), "marked": (with_custom_property(docx), "docx")}
    converted = convert_files(sources, "doc", 120)
    if not all(isinstance(doc, bytes) for doc in converted.values()):
        raise RuntimeError(f"LibreOffice could not write the DOC: {converted}")
    return converted["plain"], converted["marked"]


def wps_file(doc: bytes, *, stream: bool = True, app_name: bool = True) -> bytes:
    """The Word 97 binary `doc` as WPS writes it: its streams, plus a WpsCustomData stream and "WPS Office" as
    the application name, as chosen. The root CLSID stays Word's (detection does not use it)."""
    streams = streams_of(doc)
    if app_name:
        name = "\x05SummaryInformation"
        streams[name] = with_string_property(streams[name], PIDSI_APPNAME, APP_NAME)
    if stream:
        streams["WpsCustomData"] = b"\x00" * 8
    return compound_file(streams, WORD_CLSID)


def streams_of(doc: bytes) -> dict[str, bytes]:
    """The streams of a compound file with no storages (what LibreOffice writes for a DOC), by name."""
    with olefile.OleFileIO(io.BytesIO(doc)) as ole:
        if ole.listdir(streams=False, storages=True):
            raise RuntimeError("the file has storages; compound_file writes top-level streams only")
        return {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}


def with_custom_property(docx: bytes) -> bytes:
    """The DOCX with docProps/custom.xml declaring KSOProductBuildVer, as WPS writes it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", CUSTOM_TYPE + b"</Types>")
            elif info.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", CUSTOM_REL + b"</Relationships>")
            target.writestr(info.filename, data)
        target.writestr("docProps/custom.xml", CUSTOM_XML)
    return out.getvalue()


def with_string_property(stream: bytes, pid: int, value: str) -> bytes:
    """A one-section property set stream (MS-OLEPS, as LibreOffice writes \x05SummaryInformation) with a
    string property appended to its section, in the section's code page."""
    (sections,) = struct.unpack_from("<I", stream, 24)
    (offset,) = struct.unpack_from("<I", stream, 44)
    if sections != 1:
        raise ValueError("only a one-section property set is supported")
    size, count = struct.unpack_from("<II", stream, offset)
    (codepage_offset,) = [o for p, o in _pairs(stream, offset, count) if p == 1]
    (codepage,) = struct.unpack_from("<H", stream, offset + codepage_offset + 4)
    body = _string_value(value, codepage)
    pairs = [(p, o + 8) for p, o in _pairs(stream, offset, count)] + [(pid, size + 8)]
    values = stream[offset + 8 + 8 * count : offset + size]
    section = struct.pack("<II", size + 8 + len(body), count + 1)
    section += b"".join(struct.pack("<II", p, o) for p, o in pairs) + values + body
    return stream[:offset] + section


def summary_information(strings: dict[int, str], codepage: int) -> bytes:
    """A fresh \\x05SummaryInformation stream: the code page and the given string properties (PIDSI_* → text)."""
    values = [(1, struct.pack("<HHH", VT_I2, 0, codepage) + b"\x00\x00")]
    values += [(pid, _string_value(text, codepage)) for pid, text in strings.items()]
    offset = 8 + 8 * len(values)
    pairs, body = [], b""
    for pid, value in values:
        pairs.append(struct.pack("<II", pid, offset + len(body)))
        body += value
    section = struct.pack("<II", offset + len(body), len(values)) + b"".join(pairs) + body
    header = struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\x00" * 16, 1) + FMTID_SUMMARY + struct.pack("<I", 48)
    return header + section


def _string_value(text: str, codepage: int) -> bytes:
    """A VT_LPSTR value in the property set's code page (UTF-16LE for CP_WINUNICODE, 1200), null-terminated,
    padded to 4 bytes; its count is in bytes."""
    codec = {1200: "utf-16-le", 65001: "utf-8"}.get(codepage, f"cp{codepage}")
    encoded = (text + "\x00").encode(codec)
    return struct.pack("<II", VT_LPSTR, len(encoded)) + encoded + b"\x00" * (-len(encoded) % 4)


def _pairs(stream: bytes, offset: int, count: int) -> list[tuple[int, int]]:
    return [struct.unpack_from("<II", stream, offset + 8 + 8 * i) for i in range(count)]


def compound_file(streams: dict[str, bytes], root_clsid: bytes = b"\x00" * 16) -> bytes:
    """An MS-CFB v3 compound file whose root storage holds `streams` (name → bytes)."""
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    small = [name for name in names if len(streams[name]) < MINI_CUTOFF]
    big = [name for name in names if name not in small]
    mini = b""
    mini_fat: list[int] = []
    starts: dict[str, int] = {}
    for name in small:
        chunks = max(1, -(-len(streams[name]) // MINI_SECTOR))
        starts[name] = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(chunks - 1)] + [END]
        mini += streams[name].ljust(chunks * MINI_SECTOR, b"\x00")
    mini_fat += [FREE] * (-len(mini_fat) % (SECTOR // 4))
    body: list[bytes] = []  # data sectors in order, FAT chains noted as we go
    fat: list[int] = []

    def place(data: bytes) -> int:
        start = len(body)
        count = max(1, -(-len(data) // SECTOR))
        for i in range(count):
            body.append(data[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(start + i + 1 if i < count - 1 else END)
        return start

    for name in big:
        starts[name] = place(streams[name])
    mini_start = place(mini) if mini else END
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat) if small else b""
    mini_fat_start = place(mini_fat_bytes) if small else END
    directory = _directory(names, streams, starts, mini_start, len(mini), root_clsid)
    directory_start = place(directory)
    fat_sectors = 1
    while len(fat) + fat_sectors > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    fat_ids = list(range(len(body), len(body) + fat_sectors))
    fat += [FAT_SECTOR] * fat_sectors
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))
    if fat_sectors > 109:
        raise ValueError("compound_file writes no DIFAT: keep the streams under ~7 MB")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH6sII", 0x3E, 3, 0xFFFE, 9, 6, b"\x00" * 6, 0, fat_sectors)
    header += struct.pack("<IIIIIII", directory_start, 0, MINI_CUTOFF, mini_fat_start,
                          len(mini_fat_bytes) // SECTOR, END, 0)  # fmt: skip
    header += struct.pack("<109I", *(fat_ids + [FREE] * (109 - fat_sectors)))
    return header + b"".join(body) + struct.pack(f"<{len(fat)}I", *fat)


def _directory(names: list[str], streams: dict[str, bytes], starts: dict[str, int], mini_start: int,
               mini_size: int, root_clsid: bytes) -> bytes:  # fmt: skip
    """The directory: the root entry, then one entry per stream, linked as a balanced binary tree sorted
    as MS-CFB compares names (length first, then upper case), every node black."""
    left, right = {}, {}

    def subtree(low: int, high: int) -> int:
        if low >= high:
            return NO_STREAM
        middle = (low + high) // 2
        left[middle], right[middle] = subtree(low, middle), subtree(middle + 1, high)
        return middle + 1  # entry ids: the root entry is 0

    top = subtree(0, len(names))
    entries = [_entry("Root Entry", 5, NO_STREAM, NO_STREAM, top, mini_start, mini_size, root_clsid)]
    for i, name in enumerate(names):
        entries.append(_entry(name, 2, left[i], right[i], NO_STREAM, starts[name], len(streams[name])))
    entries += [_entry("", 0, NO_STREAM, NO_STREAM, NO_STREAM, 0, 0)] * (-len(entries) % (SECTOR // 128))
    return b"".join(entries)


def _entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int,
           clsid: bytes = b"\x00" * 16) -> bytes:  # fmt: skip
    encoded = name.encode("utf-16-le")
    name_field = (encoded + b"\x00\x00").ljust(64, b"\x00") if name else b"\x00" * 64
    name_length = len(encoded) + 2 if name else 0
    return name_field + struct.pack("<HBBIII16sIQQIQ", name_length, kind, 1, left, right, child, clsid, 0, 0, 0,
                                    start, size)  # fmt: skip
