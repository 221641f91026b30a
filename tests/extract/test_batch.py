"""A batch with office files: DOC (and a damaged one) converted in one LibreOffice call, in input order."""

import gc
import random
from pathlib import Path

from click.testing import CliRunner

from extract import batch
from extract.batch import extract_all, extract_paths
from extract.pipeline import Reading, extract_bytes
from extract.readers.office import convert_files
from govreports.cli import cli
from govreports.commands import extract as extract_command
from tests.generate import cell_mismatches, make_report, render_docx

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reports" / "000_db66c7502a480a75.txt"


def test_doc_files_are_converted_together_and_records_keep_input_order(tmp_path):
    reports = [make_report(random.Random(seed)) for seed in (11, 12)]
    converted = convert_files({str(i): (render_docx(r), "docx") for i, r in enumerate(reports)}, "doc", 300)
    paths = []
    for i in range(2):
        path = tmp_path / f"report{i}.doc"
        path.write_bytes(converted[str(i)])
        paths.append(str(path))
    damaged = tmp_path / "damaged.doc"
    damaged.write_bytes(converted["0"][:3000])
    order = [paths[0], str(SAMPLE), str(damaged), paths[1]]
    records = list(extract_paths(order))
    assert [r["source"]["path"] for r in records] == order
    assert records[0]["source"]["media_type"] == "application/msword"
    assert cell_mismatches(records[0], reports[0]) == {}
    assert cell_mismatches(records[3], reports[1]) == {}
    assert len(records[1]["cells"]) == 200
    assert records[2]["errors"] and records[2]["cells"] == []


def _logged_readings(log: list[str], sizes: list[int]):
    """Readings that log when each is read (a step of the iterable) and are parsed into a record naming them."""
    for number, size in enumerate(sizes):
        log.append(f"read {number}")
        yield Reading(b"x" * size, {"path": str(number)}, failed={"source": {"path": str(number)}})


def _logging_parse(log: list[str]):
    def parse(reading: Reading) -> dict:
        log.append(f"parse {reading.source['path']}")
        return reading.failed
    return parse


def test_a_chunk_of_files_is_read_before_any_of_them_is_parsed_and_records_keep_input_order(monkeypatch):
    log: list[str] = []
    monkeypatch.setattr(batch, "parse_reading", _logging_parse(log))
    records = list(batch.parse_in_chunks(_logged_readings(log, [10] * 5), files=2, size=1000))
    assert [r["source"]["path"] for r in records] == ["0", "1", "2", "3", "4"]
    assert log == ["read 0", "read 1", "parse 0", "parse 1", "read 2", "read 3", "parse 2", "parse 3",
                   "read 4", "parse 4"]


def test_a_chunk_closes_early_once_its_files_reach_the_byte_budget(monkeypatch):
    log: list[str] = []
    monkeypatch.setattr(batch, "parse_reading", _logging_parse(log))
    list(batch.parse_in_chunks(_logged_readings(log, [10, 600, 500, 10]), files=8, size=1000))
    assert log == ["read 0", "read 1", "read 2", "parse 0", "parse 1", "parse 2", "read 3", "parse 3"]


def test_files_read_in_chunks_give_the_records_they_give_one_at_a_time(monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_FILES", 4)  # 15 files: chunks of 4, 4, 4 and 3
    reports = [make_report(random.Random(seed)) for seed in (21, 22, 23)]
    inputs = [(render_docx(r), {"path": f"r{i}.docx"}) for i, r in enumerate(reports)]
    inputs.insert(1, (b"%PDF-1.4 broken", {"path": "broken.pdf"}))
    inputs.append((SAMPLE.read_bytes(), {"path": "sample.txt"}))
    chunked = list(extract_all(inputs * 3))
    one_by_one = [extract_bytes(data, where) for data, where in inputs * 3]
    assert chunked == one_by_one
    assert chunked[1]["errors"] and len(chunked[0]["cells"]) == 200


def test_the_extract_command_raises_the_young_collection_threshold_while_it_runs_and_restores_it(monkeypatch, tmp_path):
    seen = []

    def recording(paths, limits):
        seen.append(gc.get_threshold()[0])
        yield from extract_paths(paths, limits)

    monkeypatch.setattr(extract_command, "extract_paths", recording)
    before = gc.get_threshold()
    result = CliRunner().invoke(cli, ["extract", str(SAMPLE), "--jsonl", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert seen == [batch.YOUNG_THRESHOLD] != [before[0]]
    assert gc.get_threshold() == before


def test_the_batch_collection_setting_is_restored_when_the_batch_fails():
    before = gc.get_threshold()
    try:
        with batch.batch_collection(12_345):
            assert gc.get_threshold() == (12_345, *before[1:])
            raise RuntimeError("a batch stopped")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
