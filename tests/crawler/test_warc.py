"""The WARC files of the mock-portal crawl: readable with warcio, digests right, request and response
records for every exchange, the index's offsets pointing at the right records, rotation by size."""

from __future__ import annotations

import hashlib
from collections import Counter

from warcio.archiveiterator import ArchiveIterator

from crawler.store.warc import warc_sha1


def _records(crawl):
    for path in sorted((crawl.out / "warc").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                yield path.name, record, record.content_stream().read()


def test_every_record_reads_back_with_correct_digests(crawl):
    kinds = Counter()
    for _, record, payload in _records(crawl):
        kinds[record.rec_type] += 1
        if record.rec_type == "response":
            assert record.rec_headers.get_header("WARC-Payload-Digest") == warc_sha1(payload)
    with crawl.db() as db:
        exchanges = db.execute("SELECT COUNT(*) FROM captures WHERE status IS NOT NULL").fetchone()[0]
    assert kinds["request"] == exchanges
    assert kinds["response"] + kinds["revisit"] == exchanges
    assert kinds["warcinfo"] == len(list((crawl.out / "warc").glob("*.warc.gz")))


def test_warc_files_rotate_by_size(crawl):
    files = list((crawl.out / "warc").glob("*.warc.gz"))
    assert len(files) > 1  # WARC_MAX_SIZE=30000 in the test crawl


def test_index_offsets_point_at_the_capture_and_its_bytes(crawl):
    with crawl.db() as db:
        rows = db.execute("SELECT * FROM captures WHERE status IS NOT NULL").fetchall()
    for row in rows:
        with (crawl.out / "warc" / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            payload = record.content_stream().read()
        assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
        assert record.rec_headers.get_header("WARC-Record-ID") == row["warc_record_id"]
        assert record.http_headers.get_statuscode() == str(row["status"])
        if record.rec_type == "response":
            assert hashlib.sha256(payload).hexdigest() == (row["sha256"] or hashlib.sha256(b"").hexdigest())
        else:
            assert row["revisit_of"] is not None


def test_request_records_keep_all_request_headers(crawl):
    requests = [record for _, record, _ in _records(crawl) if record.rec_type == "request"]
    assert requests
    for record in requests:
        assert record.http_headers.get_header("User-Agent", "").startswith("govreports/")
        assert record.rec_headers.get_header("WARC-Concurrent-To")
