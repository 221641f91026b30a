"""Profile the archive's pages in-process with pyinstrument: where one report page or search page spends its time.

    .venv/bin/python bench/profile_archive.py [ARCHIVE.db] [--page report|search] [--requests 20]

ARCHIVE.db is any built archive (e.g. the one bench/archive.py leaves in bench/out/archive); without one, a
synthetic archive of --reports reports is built in a temporary directory as bench/load.py builds it. Requests go
through Datasette's own client (no HTTP server), one page warmed first, then --requests different pages.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from pyinstrument import Profiler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.publication import make_datasette  # noqa: E402
from bench.load import build_archive  # noqa: E402

WORDS = ("复议", "公开", "诉讼", "政府信息", "依申请公开", "保密审查", "信息处理费", "行政复议", "答复", "平台")


def page_paths(db: Path, page: str, count: int) -> list[str]:
    if page == "search":
        return [f"/{db.stem}/reports?_search={quote(WORDS[i % len(WORDS)])}" for i in range(count + 1)]
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM reports LIMIT ?", (count + 1,))]
    return [f"/{db.stem}/reports/{report_id}" for report_id in ids]


async def profile(db: Path, paths: list[str]) -> str:
    datasette = make_datasette(db)
    (await datasette.client.get(paths[0])).raise_for_status()
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    for path in paths[1:]:
        (await datasette.client.get(path)).raise_for_status()
    profiler.stop()
    return profiler.output_text(unicode=False, color=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, nargs="?")
    parser.add_argument("--reports", type=int, default=300, help="size of the synthetic archive built without db")
    parser.add_argument("--page", choices=("report", "search"), default="report")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    if args.db:
        print(asyncio.run(profile(args.db, page_paths(args.db, args.page, args.requests))))
        return
    with tempfile.TemporaryDirectory(prefix="govreports-profile-") as work:
        db = Path(work) / "archive.db"
        build_archive(db, args.reports)
        print(asyncio.run(profile(db, page_paths(db, args.page, args.requests))))


if __name__ == "__main__":
    main()
