"""The raw store the crawler writes and extract/archive read (layout in DESIGN.md):

    <out>/warc/*.warc.gz   every request/response (warc.py)
    <out>/files/ab/<sha256>.<ext>   attachments and report pages by content (files.py)
    <out>/captures.db      the capture index (index.py)
    <out>/reports.jsonl    one line per report, rebuilt from the index (reports.py)
"""
