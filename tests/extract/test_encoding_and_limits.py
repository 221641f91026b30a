"""The record says which encoding text and HTML were decoded with; `--raw` hands the charset a page was served
with (captures.db) to the HTML reader; `govreports extract --max-bytes/--max-pages/--timeout` set the limits."""

import hashlib
import html
import io
import json
import sqlite3
from pathlib import Path

import pypdfium2 as pdfium
from click.testing import CliRunner

from extract.pipeline import extract_bytes
from govreports.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = FIXTURES / "reports" / "000_db66c7502a480a75.txt"


def run(*args: str):
    result = CliRunner().invoke(cli, ["extract", *args], catch_exceptions=False)
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def _page(charset_meta: bool) -> str:
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    meta = '<meta charset="gbk">' if charset_meta else ""
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    title = html.escape(lines[0])
    return f"<html><head>{meta}<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"


def test_the_record_carries_the_encoding_text_and_html_were_decoded_with():
    text = SAMPLE.read_text(encoding="utf-8")
    assert extract_bytes(text.encode("gb18030"), {"path": "a.txt"})["source"]["encoding"] == "gb18030"
    assert extract_bytes(text.encode("utf-8"), {"path": "b.txt"})["source"]["encoding"] == "utf-8"
    page = extract_bytes(_page(charset_meta=True).encode("gb18030"), {"url": "http://x.gov.cn/c.html"})
    assert page["source"]["encoding"] == "gb18030" and len(page["cells"]) == 200


def test_a_pdf_record_has_no_encoding():
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    assert "encoding" not in extract_bytes(out.getvalue(), {"path": "blank.pdf"})["source"]


def _raw_store(tmp_path: Path, data: bytes, content_type: str | None) -> Path:
    """A raw store with one inline HTML report and the capture of its page (served with `content_type`)."""
    raw = tmp_path / "out"
    sha = hashlib.sha256(data).hexdigest()
    rel = f"files/{sha[:2]}/{sha}.html"
    (raw / rel).parent.mkdir(parents=True)
    (raw / rel).write_bytes(data)
    url = "http://www.example.gov.cn/zfxxgknb/t20240115_1.html"
    entry = {"page_url": url, "title": "党政办公室2023年政府信息公开工作年度报告", "year": 2023,
             "published": "2024-01-15", "portal": "example", "inline": True, "attachments": [],
             "page": {"url": url, "sha256": sha, "media_type": "text/html", "path": rel}}
    (raw / "reports.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    with sqlite3.connect(raw / "captures.db") as db:
        db.execute("CREATE TABLE captures (id INTEGER PRIMARY KEY, url TEXT, final_url TEXT, sha256 TEXT, "
                   "content_type TEXT)")
        db.execute("INSERT INTO captures (url, final_url, sha256, content_type) VALUES (?, ?, ?, ?)",
                   (url, url, sha, content_type))
    return raw


def test_raw_passes_the_served_charset_to_the_html_reader(tmp_path):
    # the header says UTF-8 but the bytes are GBK: the reader was told, and the bytes still decide
    raw = _raw_store(tmp_path, _page(charset_meta=False).encode("gb18030"), "text/html; charset=UTF-8")
    result, (record,) = run("--raw", str(raw))
    assert result.exit_code == 0
    assert record["source"]["encoding"] == "gb18030"
    assert "the page declares UTF-8 but is gb18030" in [w["message"] for w in record["warnings"]]
    assert len(record["cells"]) == 200


def test_raw_reads_a_page_served_with_its_true_charset_without_complaint(tmp_path):
    raw = _raw_store(tmp_path, _page(charset_meta=False).encode("gb18030"), 'text/html;charset="gbk"')
    _, (record,) = run("--raw", str(raw))
    assert record["source"]["encoding"] == "gb18030"
    assert not [w for w in record["warnings"] if "declares" in w["message"]]
    assert len(record["cells"]) == 200


def test_raw_without_a_served_charset_decodes_by_content(tmp_path):
    raw = _raw_store(tmp_path, _page(charset_meta=False).encode("gb18030"), "text/html")
    _, (record,) = run("--raw", str(raw))
    assert record["source"]["encoding"] == "gb18030" and len(record["cells"]) == 200


def test_max_bytes_option_refuses_a_larger_file(tmp_path):
    result, (record,) = run("--max-bytes", "1000", str(SAMPLE))
    assert result.exit_code == 1
    assert record["errors"][0]["code"] == "too_large"
    _, (record,) = run("--max-bytes", str(SAMPLE.stat().st_size), str(SAMPLE))
    assert record["errors"] == [] and len(record["cells"]) == 200


def test_max_pages_option_refuses_a_longer_pdf(tmp_path):
    pdf = pdfium.PdfDocument.new()
    for _ in range(3):
        pdf.new_page(595, 842)
    path = tmp_path / "three.pdf"
    pdf.save(str(path))
    _, (record,) = run("--max-pages", "2", str(path))
    assert record["errors"][0]["code"] == "too_many_pages"
    assert "3 pages, over the limit of 2" in record["errors"][0]["message"]


def test_timeout_option_limits_the_libreoffice_conversion(tmp_path):
    rtf = tmp_path / "report.rtf"
    rtf.write_bytes(rb"{\rtf1\ansi " + rb"\par ".join([b"annual report"] * 50) + b"}")
    _, (record,) = run("--timeout", "0.01", str(rtf))
    assert record["errors"][0]["code"] == "conversion_timeout"


def test_limit_options_refuse_nonsense():
    result = CliRunner().invoke(cli, ["extract", "--max-pages", "0", str(SAMPLE)])
    assert result.exit_code == 2 and "--max-pages" in result.output
