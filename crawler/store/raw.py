"""One raw store per crawl, shared by the middlewares, the pipeline and the extension of that crawl."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.crawler import Crawler

from crawler.store.files import FileStore
from crawler.store.index import CaptureIndex
from crawler.store.warc import WarcFiles

_ATTRIBUTE = "_govreports_raw_store"


class RawStore:
    """The WARC files, the file store and the capture index under one output directory."""

    def __init__(self, out_dir: Path, warc_max_size: int):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.index = CaptureIndex(self.out_dir / "captures.db")
        self.files = FileStore(self.out_dir)
        prefix = "govreports-" + datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self.warc = WarcFiles(self.out_dir / "warc", prefix, warc_max_size)
        self.closed = False

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> RawStore:
        """The crawl's store, opened on first use from the OUT_DIR and WARC_MAX_SIZE settings."""
        store = getattr(crawler, _ATTRIBUTE, None)
        if store is None:
            store = cls(Path(crawler.settings.get("OUT_DIR", "out")), crawler.settings.getint("WARC_MAX_SIZE"))
            setattr(crawler, _ATTRIBUTE, store)
        return store

    def close(self) -> None:
        if not self.closed:
            self.warc.close()
            self.index.close()
            self.closed = True
