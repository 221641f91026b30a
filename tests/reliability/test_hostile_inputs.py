"""Hostile inputs end to end: the extractor's bad-input corpus (tests/extract/test_bad_input.py) published as
report attachments on the demo portal among the real reports, then `govreports run`: each bad file is a
record with an error and its reason (the extractor's code, or the crawler's reason when the crawl already
refused to store it), and every good report is archived with its cells."""

from __future__ import annotations

import json
import sqlite3

import pytest

from extract.readers import office
from govreports.demo.server import serve_demo_portal
from govreports.demo.site import ExtraFile, build_site
from tests.e2e.helpers import govreports, read_records
from tests.extract.test_bad_input import PDF_PASSWORD, REPORT, _bad_corpus
from tests.generate import render_docx
from tests.reliability.conftest import FAST_REPORTS

DEPARTMENTS = ("发展和改革委员会", "工业和信息化局", "公安局", "司法局", "人力资源和社会保障局", "住房和城乡建设局",
               "交通运输局", "农业农村局", "商务局", "文化广电和旅游局", "应急管理局", "市场监督管理局", "统计局",
               "医疗保障局", "林业局", "信访局", "人民防空办公室", "机关事务管理局")
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "doc": "doc"}
GOOD = [report for report in FAST_REPORTS if report.readable]


def corpus(tmp_path) -> dict[str, tuple[bytes, str]]:
    """The extractor's corpus, its office files made as that test makes them (LibreOffice)."""
    docx = render_docx(REPORT)
    made = {"docx": docx, "doc": office.convert_files({"doc": (docx, "docx")}, "doc", 120)["doc"],
            "encrypted_pdf": office.convert_files({"pdf": (docx, "docx")}, f"pdf:writer_pdf_Export:{PDF_PASSWORD}",
                                                  120)["pdf"],
            "pdf": office.convert_files({"pdf": (docx, "docx")}, "pdf", 120)["pdf"]}
    return _bad_corpus(made, tmp_path)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    bad = corpus(work)
    assert len(bad) <= len(DEPARTMENTS)
    extra = tuple(
        ExtraFile(f"示范市{department}2022年政府信息公开工作年度报告",
                  f"P0{name}.{EXTENSIONS.get(name.rsplit('_', 1)[-1], 'pdf')}", data)
        for department, (name, (data, _)) in zip(DEPARTMENTS, bad.items(), strict=False)
    )
    out = work / "out"
    with serve_demo_portal(build_site(work / "cache", FAST_REPORTS, extra)) as portal:
        done = govreports("run", "--url", f"{portal.base_url}/", "--out", str(out), "--json",
                          "--set", "AUTOTHROTTLE_START_DELAY=0.05")
    assert done.returncode == 0, done.stderr[-3000:]
    return out, bad, extra


def test_every_bad_file_is_an_error_with_its_reason(hostile_run):
    out, bad, extra = hostile_run
    records = read_records(out / "records.jsonl")
    with sqlite3.connect(out / "raw" / "captures.db") as captures:
        refused = dict(captures.execute("SELECT url, outcome || ': ' || coalesce(reason, '') FROM captures "
                                        "WHERE outcome NOT IN ('ok', 'redirect')"))
    outcomes = {}
    for item, (name, (_, code)) in zip(extra, bad.items(), strict=True):
        record = next(r for r in records if r.get("listing_title") == item.title)
        errors = record["errors"]
        assert errors and all(error["code"] and error["message"] for error in errors), name
        if errors[0]["code"] == "no_representation":  # the crawler did not store it: its reason is recorded
            reason = next(value for url, value in refused.items() if url.endswith(item.name))
            outcomes[name] = f"crawl refused ({reason})"
        else:
            assert errors[0]["code"] == code, (name, errors)
            outcomes[name] = code
        assert not record["cells"], name
    print("\n" + json.dumps(outcomes, ensure_ascii=False, indent=1))


def test_every_good_report_is_archived_with_its_cells(hostile_run):
    out, _, extra = hostile_run
    records = read_records(out / "records.jsonl")
    assert len(records) == len(FAST_REPORTS) + len(extra)
    with sqlite3.connect(out / "archive.db") as archive:
        archived = dict(archive.execute("SELECT page_url, n_cells FROM reports"))
        issues = archive.execute("SELECT count(*) FROM load_issues").fetchone()[0]
    good_records = [r for r in records if not r["errors"]]
    assert len(good_records) == len(GOOD)
    for record in good_records:
        assert archived[record["page_url"]] == len(record["cells"]) > 0
    assert len(archived) == len(GOOD)
    assert issues == len(records) - len(GOOD)
