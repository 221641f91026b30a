"""`govreports extract`: one JSON line per input, bad files recorded and skipped, `--raw` over a raw store."""

import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from extract import batch
from extract.rawstore import extract_raw, extract_report
from govreports.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLES = sorted((FIXTURES / "reports").glob("*.txt"))


def run(*args: str):
    result = CliRunner().invoke(cli, ["extract", *args], catch_exceptions=False)
    records = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result, records


def test_each_input_gives_one_record_and_the_path_is_kept_as_given(tmp_path):
    result, records = run(*map(str, SAMPLES))
    assert result.exit_code == 0
    assert [r["source"]["path"] for r in records] == [str(p) for p in SAMPLES]
    assert [len(r["cells"]) for r in records] == [200, 200, 200]
    assert records[0]["source"]["sha256"] == hashlib.sha256(SAMPLES[0].read_bytes()).hexdigest()
    assert records[0]["source"]["media_type"] == "text/plain"


def test_a_bad_file_is_recorded_and_the_batch_goes_on(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    result, records = run(str(empty), str(SAMPLES[0]), str(tmp_path / "missing.txt"), str(junk))
    assert result.exit_code == 0
    assert [bool(r["errors"]) for r in records] == [True, False, True, True]
    assert [r["errors"][0]["code"] for r in records if r["errors"]] == ["empty", "unreadable", "unsupported_format"]
    assert all(r["cells"] == [] for r in records if r["errors"])
    assert "Traceback" not in result.output
    assert "3 of 4 inputs could not be read" in result.stderr


def test_exit_status_is_non_zero_only_when_nothing_could_be_read(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"   \n")
    result, records = run(str(empty))
    assert result.exit_code == 1
    assert records[0]["errors"][0]["code"] == "empty"


def test_jsonl_option_writes_the_records_to_a_file(tmp_path):
    out = tmp_path / "records.jsonl"
    result, stdout_records = run(str(SAMPLES[1]), "--jsonl", str(out))
    assert result.exit_code == 0 and stdout_records == []
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1 and records[0]["year"] == 2023


def test_gb18030_text_is_decoded_by_content(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(SAMPLES[2].read_text(encoding="utf-8").replace("高新技术", "喆昇堃高新技术").encode("gb18030"))
    _, records = run(str(path))
    assert records[0]["body"] == "喆昇堃高新技术产业开发区管理办公室"
    assert len(records[0]["cells"]) == 200


def store(raw: Path, source: Path, name: str) -> dict:
    data = source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    rel = f"files/{sha[:2]}/{sha}.txt"
    (raw / rel).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, raw / rel)
    return {"url": f"http://portal.example/{name}", "sha256": sha, "media_type": "text/plain", "size": len(data),
            "path": rel}


def test_raw_store_reports_take_their_richest_representation_and_carry_the_crawl_context(tmp_path):
    raw = tmp_path / "out"
    raw.mkdir()
    changed = tmp_path / "changed.txt"
    row = "四、结转下年度继续办理\t\t"
    text = SAMPLES[2].read_text(encoding="utf-8")
    changed.write_text(text.replace(row + "0\t0\t0\t0\t0\t0\t0", row + "2\t0\t0\t0\t0\t0\t2"), encoding="utf-8")
    legacy = FIXTURES / "extract" / "legacy_2012_bureau.txt"
    entries = [
        {"page_url": "http://portal.example/a.html",
         "title": "高新技术产业开发区管理办公室2023年政府信息公开工作年度报告",
         "year": 2023, "published": "2024-01-19", "body": "高新区", "portal": "济源",
         "page": {**store(raw, legacy, "a.html"), "media_type": "text/html"}, "inline": False,
         "attachments": [store(raw, legacy, "legacy.txt"), store(raw, SAMPLES[2], "b.txt"),
                         store(raw, changed, "c.txt")],
         "metadata": {}},
        {"page_url": "http://portal.example/none.html", "title": "无附件", "year": None, "published": None,
         "body": None, "portal": "济源", "page": None, "inline": False, "attachments": [], "metadata": {}},
    ]
    lines = [json.dumps(e, ensure_ascii=False) for e in entries]
    (raw / "reports.jsonl").write_text("\n".join([lines[0], "{not json", lines[1]]) + "\n", encoding="utf-8")
    result, records = run("--raw", str(raw))
    assert result.exit_code == 0
    assert len(records) == 3
    report = records[0]
    assert (report["page_url"], report["published"], report["portal"]) == (
        "http://portal.example/a.html", "2024-01-19", "济源")
    assert report["listing_title"].startswith("高新技术产业开发区管理办公室")
    assert report["source"]["url"] == "http://portal.example/b.txt"
    assert [r["chosen"] for r in report["representations"]] == [False, True, False]
    assert [r["cells"] for r in report["representations"]] == [0, 200, 200]
    disagree = [w for w in report["warnings"] if w["code"] == "representations_disagree"]
    assert {(w["row"], w["col"], w["chosen"], w["other"]) for w in disagree} == {
        ("四、结转下年度继续办理", "自然人", 0, 2), ("四、结转下年度继续办理", "总计", 0, 2)}
    assert records[1]["errors"][0]["code"] == "bad_index_line"
    assert records[2]["errors"][0]["code"] == "no_representation"
    assert records[2]["page_url"] == "http://portal.example/none.html"


def test_raw_needs_a_crawl_directory(tmp_path):
    result = CliRunner().invoke(cli, ["extract", "--raw", str(tmp_path)])
    assert result.exit_code == 2
    assert "reports.jsonl" in result.output


def test_a_stored_path_outside_the_raw_store_is_an_error_not_a_read(tmp_path):
    raw = tmp_path / "out"
    raw.mkdir()
    (tmp_path / "secret.txt").write_text("不应被读取", encoding="utf-8")
    entry = {"page_url": "http://portal.example/x.html", "title": "某局2023年政府信息公开工作年度报告",
             "published": "2024-01-02", "portal": "p", "page": None, "inline": False,
             "attachments": [{"url": "http://portal.example/x.txt", "path": "../secret.txt"},
                             store(raw, SAMPLES[0], "a.txt")]}
    (raw / "reports.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    result, records = run("--raw", str(raw))
    assert result.exit_code == 0
    report = records[0]
    assert [r["chosen"] for r in report["representations"]] == [False, True]
    assert "outside the raw store" in report["representations"][0]["errors"][0]["message"]
    assert len(report["cells"]) == 200


def test_raw_store_reports_read_in_chunks_give_the_records_read_one_by_one_and_a_resume_skips(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_FILES", 3)  # 12 index lines: chunks of 3 reports
    raw = tmp_path / "out"
    raw.mkdir()
    entries = [{"page_url": f"http://portal.example/{n}.html", "title": f"某局{2020 + n % 4}年政府信息公开工作年度报告",
                "published": "2024-01-02", "portal": "p", "page": None, "inline": False,
                "attachments": [store(raw, SAMPLES[n % 3], f"{n}.txt")]} for n in range(11)]
    lines = [json.dumps(e, ensure_ascii=False) for e in entries]
    (raw / "reports.jsonl").write_text("\n".join([*lines[:4], "[1]", *lines[4:]]) + "\n", encoding="utf-8")
    chunked = list(extract_raw(raw))
    one_by_one = [extract_report(raw, entry) for entry in entries]
    assert len(chunked) == 12
    assert chunked[:4] + chunked[5:] == one_by_one
    assert chunked[4]["errors"][0]["code"] == "bad_index_line"
    assert list(extract_raw(raw, skip=7)) == chunked[7:]
