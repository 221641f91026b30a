"""The one way a reader says "this input cannot be read": an error code and a message for a human.

Readers raise `ReadError`; whoever runs a batch catches it, records `{"code", "message"}` in the record's
`errors`, and goes on with the next input. Codes are stable strings the archive can count by. A message
says what happened (the reader's specific words, or the code's default) and then what to do (`ADVICE`).
Every warning code a record can carry is listed in `WARNINGS` with what it means and what to do, and the
record-level error codes in `RECORD_ERRORS` (a test keeps both lists complete).
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

# What to do about each read error: appended to every message, so a record's `errors` say both what happened
# and what would get the report read.
ADVICE = {
    "empty": "Fetch the file again; if it stays empty, the portal serves nothing at this address.",
    "too_large": "Raise GOVREPORTS_MAX_FILE_MB (or --max-bytes) if the file is really a report.",
    "too_many_pages": "Raise GOVREPORTS_MAX_PAGES (or --max-pages; GOVREPORTS_MAX_OCR_PAGES for scans) if it is "
                      "really one report.",
    "unsupported_format": "Check what the portal served at this address; a report in another format needs a reader.",
    "decode_failed": "Check the file's encoding; save it as UTF-8 or GB18030 to read it.",
    "pdf_encrypted": "Ask the publisher for an unprotected copy, or open it with the password and save it again.",
    "pdf_corrupt": "Fetch the file again; a truncated download is the usual cause.",
    "needs_ocr": "Run setup.sh (Tesseract with chi_sim; rapidocr-onnxruntime) and extract the file again.",
    "ocr_failed": "Check that setup.sh installed Tesseract with chi_sim; an undecodable image needs a new copy.",
    "zip_bomb": "Raise GOVREPORTS_MAX_DECOMPRESSED_MB or GOVREPORTS_MAX_COMPRESSION_RATIO only if you trust the "
                "file.",
    "zip_corrupt": "Fetch the file again; a truncated download is the usual cause.",
    "docx_corrupt": "Open it in Word or WPS Office and save it again as DOCX or PDF.",
    "xlsx_corrupt": "Open it in Excel or WPS Office and save it again as XLSX.",
    "ole_corrupt": "Fetch the file again; if it persists, open it in Word or WPS Office and save it as DOCX.",
    "password_protected": "Ask the publisher for an unprotected copy, or open it with the password and save it "
                          "again.",
    "conversion_failed": "Open it in WPS Office or Word and save it as DOCX or PDF, then extract that file.",
    "conversion_timeout": "Raise GOVREPORTS_CONVERSION_TIMEOUT (or --timeout), or convert the file by hand.",
    "challenge_page": "Fetch the page again later or through a real browser; the crawl retries it.",
    "login_page": "The report is behind a login: find a public copy, or fetch it with an account.",
    "no_content": "Check the file in a browser or viewer; if it shows a report, report this file.",
}

# Every warning code a record may carry, what it means and what to do. Warnings never stop a record: the
# cells they name are absent or flagged, the rest is kept.
WARNINGS = {
    "reader": "the reader worked around a quirk of the file (a wrong charset, lines trafilatura dropped, an "
              "image page OCRed); read the message; nothing to do unless cells are missing",
    "no_text": "the document has no text: check it is the report and not a cover page or a scan without OCR",
    "section_missing": "a numbered section was not found: check the report's headings; its text is in the "
                       "neighbouring section",
    "section_heading_variant": "a section heading is worded or numbered differently and was taken as the "
                               "official one; nothing to do",
    "table_missing": "a statistics table was not found or no value was read: check the document holds it (it "
                     "may be an image: OCR it)",
    "table_layout_unreadable": "a table's labels and numbers are not in row order (text written column by "
                               "column); PDFs are re-read from their ruled tables, otherwise check the cells by hand",
    "cell_missing": "a declared cell has no value in the document; it is left absent, never invented",
    "cell_blank": "a cell is written blank (\"/\", \"—\", \"无\") and is kept absent; nothing to do",
    "row_incomplete": "a row has fewer values than columns; its cells are left absent: check the row by hand",
    "row_by_order": "a row's label was not found and its values were taken by template order: check the row",
    "extra_values": "a row has more values than columns and the first ones were taken: check the row",
    "unit_in_cell": "a money cell carries its own unit; the number is kept as written: check the unit",
    "not_integer": "a count is not a whole number: check the cell",
    "negative_value": "a count is negative: check the cell",
    "check_incomplete": "some identities could not be evaluated because cells are missing",
    "narrative_mismatch": "the text quotes another figure than the table: check which is right",
    "ocr_uncertain": "an OCR figure no identity confirms: check it against the scan",
    "pdf_tables": "the PDF's text layer parsed incompletely and its ruled tables were read too; the message "
                  "says which read was kept",
    "table_fallback_limit": "the ruled-table read stopped at its page or time limit: raise "
                            "GOVREPORTS_TABLE_FALLBACK_PAGES or GOVREPORTS_TABLE_FALLBACK_SECONDS to read the "
                            "pages it lists",
    "representations_disagree": "two files of one report give a cell different values; the chosen file's "
                                "value is kept: check which is right",
}

# Record-level errors raised outside the readers (a batch or raw-store problem, not a file format).
RECORD_ERRORS = {
    "extract_failed": "extraction failed unexpectedly: a bug; report the file",
    "unreadable": "the file could not be opened: check the path and permissions",
    "no_representation": "the raw store lists the report but holds no page or file for it: crawl it again",
    "bad_index_line": "a line of reports.jsonl is not valid or points outside the raw store: crawl it again",
}


class ReadError(Exception):
    """An input that cannot be read, with a stable `code` (see CODES) and a specific message."""

    def __init__(self, code: str, message: str | None = None):
        if code not in CODES:
            raise ValueError(f"unknown read error code {code!r}")
        self.code = code
        self.message = f"{(message or CODES[code]).rstrip('.')}. {ADVICE[code]}"
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}
