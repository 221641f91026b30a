"""Every message a user sees says what happened and what to do: each read error's message ends with the advice
for its code, and every error and warning code the extractor can emit is declared with what it means."""

import re
from pathlib import Path

import pytest

from extract.errors import ADVICE, CODES, RECORD_ERRORS, WARNINGS, ReadError

EXTRACT = Path(__file__).resolve().parents[2] / "extract"
EMITTED = re.compile(r'"code":\s*"(\w+)"|ReadError\(\s*"(\w+)"|code, detail(?:, message)? = "(\w+)"|_CODE = "(\w+)"')


def _emitted_codes() -> set[str]:
    codes = set()
    for path in EXTRACT.rglob("*.py"):
        for match in EMITTED.finditer(path.read_text(encoding="utf-8")):
            codes.add(next(group for group in match.groups() if group))
    return codes


def test_every_code_the_extractor_emits_is_declared_with_its_meaning():
    emitted = _emitted_codes()
    assert {"cell_missing", "pdf_tables", "table_fallback_limit", "conversion_failed", "cell_blank"} <= emitted
    declared = set(CODES) | set(WARNINGS) | set(RECORD_ERRORS)
    assert emitted - declared == set()
    assert all(text.strip() for text in [*WARNINGS.values(), *RECORD_ERRORS.values()])


def test_every_read_error_code_has_advice_and_its_messages_end_with_it():
    assert set(ADVICE) == set(CODES)
    for code, advice in ADVICE.items():
        assert advice.endswith(".") and advice[0].isupper(), code
        assert ReadError(code).message == f"{CODES[code]}. {advice}"


@pytest.mark.parametrize(("code", "specific"), [
    ("pdf_encrypted", "PDF: encrypted, a password is needed to open it"),
    ("too_many_pages", "PDF: 3 pages, over the limit of 2."),
])  # fmt: skip
def test_a_specific_message_keeps_its_words_and_gains_the_advice(code, specific):
    message = ReadError(code, specific).message
    assert message.startswith(specific.rstrip("."))
    assert message.endswith(ADVICE[code]) and ".." not in message
