"""Kingsoft WPS Writer files are told from Word's DOC by the marks real WPS files carry (a WpsCustomData stream,
the KSOProductBuildVer property, "WPS Office" as the application name), any one of them; LibreOffice converts
them and every cell parses back; a damaged one is a clear conversion error that costs no other file."""

import io
import random

import olefile
import pytest

from extract.detect import DOC, WPS, detect
from extract.errors import ReadError
from extract.pipeline import extract_bytes
from extract.readers.office import convert_batch
from tests.extract.wps_file import (
    APP_NAME,
    BUILD,
    PIDSI_APPNAME,
    PIDSI_TITLE,
    WORD_CLSID,
    compound_file,
    streams_of,
    summary_information,
    word_docs,
    wps_file,
)
from tests.generate import cell_mismatches, make_report, render_docx


@pytest.fixture(scope="module")
def docs():
    report = make_report(random.Random(12))
    plain, marked = word_docs(render_docx(report))
    return report, plain, marked


def test_a_wps_file_with_all_its_marks_is_wps_and_every_cell_converts(docs):
    report, _, marked = docs
    wps = wps_file(marked)
    with olefile.OleFileIO(io.BytesIO(wps)) as ole:  # the marks are where real WPS files keep them
        assert ole.exists("WpsCustomData") and ole.exists("WordDocument")
        assert ole.get_metadata().creating_application == APP_NAME.encode()
        assert BUILD.encode() in ole.openstream("\x05DocumentSummaryInformation").read()
    assert detect(wps) == WPS
    record = extract_bytes(wps, {"path": "report.wps"})
    assert record["errors"] == []
    assert (record["source"]["media_type"], record["method"]) == (WPS, "office")
    assert cell_mismatches(record, report) == {}


@pytest.mark.parametrize("mark", ["stream", "build_property", "app_name"])
def test_any_one_wps_mark_makes_a_word_container_wps(docs, mark):
    _, plain, marked = docs
    wps = wps_file(marked if mark == "build_property" else plain, stream=mark == "stream", app_name=mark == "app_name")
    assert detect(wps) == WPS


def test_a_word_container_without_wps_marks_stays_doc(docs):
    _, plain, _ = docs
    assert detect(plain) == DOC
    assert detect(wps_file(plain, stream=False, app_name=False)) == DOC  # rebuilt container, no marks


def test_a_damaged_wps_file_is_a_clear_conversion_error_and_the_batch_goes_on(docs, tmp_path):
    _, _, marked = docs
    streams = streams_of(wps_file(marked))
    streams["WordDocument"] = b"\x00" * len(streams["WordDocument"])
    damaged, good = tmp_path / "damaged.wps", tmp_path / "good.wps"
    damaged.write_bytes(compound_file(streams, WORD_CLSID))
    good.write_bytes(wps_file(marked))
    assert detect(damaged.read_bytes()) == WPS
    results = convert_batch([damaged, good])
    error = results[str(damaged)]
    assert isinstance(error, ReadError) and error.code == "conversion_failed"
    assert "WPS" in error.message and "save it as DOCX or PDF" in error.message
    assert not isinstance(results[str(good)], ReadError)
    assert len(results[str(good)].tables) >= 3


def test_the_app_name_in_a_unicode_property_set_marks_wps_but_a_title_naming_wps_does_not(docs):
    _, plain, _ = docs
    streams = streams_of(plain)
    streams["\x05SummaryInformation"] = summary_information({PIDSI_APPNAME: APP_NAME}, codepage=1200)
    assert detect(compound_file(streams, WORD_CLSID)) == WPS
    title = {PIDSI_TITLE: "WPS文字使用说明：年度报告排版", PIDSI_APPNAME: "Microsoft Office Word"}
    streams["\x05SummaryInformation"] = summary_information(title, codepage=1200)
    assert detect(compound_file(streams, WORD_CLSID)) == DOC
