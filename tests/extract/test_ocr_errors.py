"""OCR that cannot run is an `ocr_failed` read error with the reason, not `no_content`: an image that does not
decode, Tesseract failing, or no engine installed."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from extract.errors import ReadError
from extract.pipeline import extract_bytes
from extract.readers import ocr
from extract.readers.ocr import read_image


def _png() -> bytes:
    image = Image.new("L", (400, 120), 255)
    ImageDraw.Draw(image).text((20, 40), "2023 0 0 7", fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_undecodable_image_is_an_ocr_failure_record():
    record = extract_bytes(_png()[:200], {"path": "broken.png"})
    assert [e["code"] for e in record["errors"]] == ["ocr_failed"]
    assert "could not be decoded" in record["errors"][0]["message"]


def test_a_failing_tesseract_is_an_ocr_failure(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT_LANG", "no_such_language")
    with pytest.raises(ReadError) as caught:
        read_image(_png(), engines=("tesseract",))
    assert caught.value.code == "ocr_failed"
    assert "Tesseract failed" in caught.value.message


def test_no_engine_installed_is_an_ocr_failure(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ReadError) as caught:
        read_image(_png(), engines=("tesseract",))
    assert caught.value.code == "ocr_failed"
    assert "no OCR engine is installed" in caught.value.message
