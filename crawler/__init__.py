"""The crawler stage: a Scrapy project that finds annual reports on government portals and keeps
archive-grade captures of everything it fetched (the raw store: WARC files, capture index, file store)."""
