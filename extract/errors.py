"""The one way a reader says "this input cannot be read": an error code and a message for a human.

Readers raise `ReadError`; whoever runs a batch catches it, records `{"code", "message"}` in the record's
`errors`, and goes on with the next input. Codes are stable strings the archive can count by.
"""

from __future__ import annotations

CODES = {
    "empty": "the file is empty",
    "too_large": "the file is larger than the size limit",
    "too_many_pages": "the document has more pages than the page limit",
    "unsupported_format": "the content is not a format govreports reads",
    "decode_failed": "the text could not be decoded",
    "pdf_encrypted": "the PDF is encrypted with a password",
    "pdf_corrupt": "the PDF is damaged or truncated",
    "needs_ocr": "the PDF has no text layer and no OCR reader is available",
    "ocr_failed": "OCR could not run: the image is undecodable, an engine failed, or none is installed",
    "zip_bomb": "the archive would inflate beyond the decompression limits",
    "zip_corrupt": "the ZIP/OOXML container is damaged or truncated",
    "docx_corrupt": "the DOCX could not be read",
    "xlsx_corrupt": "the spreadsheet could not be read",
    "ole_corrupt": "the OLE2 (DOC/XLS/WPS) container is damaged",
    "password_protected": "the office document is password-protected",
    "conversion_failed": "LibreOffice could not convert the document",
    "conversion_timeout": "LibreOffice did not finish within the conversion time limit",
    "challenge_page": "the HTML is an anti-crawler challenge page, not the report",
    "login_page": "the HTML is a login page, not the report",
    "no_content": "no readable content was found",
}


class ReadError(Exception):
    """An input that cannot be read, with a stable `code` (see CODES) and a specific message."""

    def __init__(self, code: str, message: str | None = None):
        if code not in CODES:
            raise ValueError(f"unknown read error code {code!r}")
        self.code = code
        self.message = message or CODES[code]
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
