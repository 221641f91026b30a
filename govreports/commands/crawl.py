"""`govreports crawl`: run the crawler (Scrapy) into a raw store and print a summary."""

from __future__ import annotations

import json
from pathlib import Path

import click

from crawler.merge import MergeError, merge_stores
from crawler.run import run_crawl
from govreports.ui import log_without_tracebacks


def _setting(values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", param_hint="--set")
        pairs[name.strip()] = setting.strip()
    return pairs


@click.command()
@click.option("--seeds", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Portals file (default: seeds/portals.csv).")
@click.option("--url", "urls", multiple=True, help="Crawl this start URL instead of the seeds (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Raw store directory: warc/, files/, captures.db, reports.jsonl.")
@click.option("--set", "-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--quiet", "-q", is_flag=True, help="Log errors only and print no summary (the summary is JSON).")
def crawl(seeds: Path | None, urls: tuple[str, ...], out: Path, settings: tuple[str, ...], quiet: bool) -> None:
    """Find annual reports on government portals and capture them into a raw store."""
    if not urls:
        seeds = seeds or Path("seeds/portals.csv")
        if not seeds.exists():
            raise click.BadParameter(f"{seeds} does not exist (give --seeds FILE or --url URL)", param_hint="--seeds")
    overrides = {"LOG_LEVEL": "ERROR", **_setting(settings)} if quiet else _setting(settings)
    with log_without_tracebacks():  # one line per failed download, not a Twisted traceback
        summary = run_crawl(out, seeds=seeds, urls=urls, overrides=overrides)
    if not quiet:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@click.command("merge-stores")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.argument("stores", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print no summary (the summary is JSON).")
def merge_stores_command(target: Path, stores: tuple[Path, ...], quiet: bool) -> None:
    """Merge distributed workers' raw stores into one raw store TARGET (run again: only what is new is added)."""
    try:
        summary = merge_stores(target, list(stores))
    except MergeError as error:
        raise click.ClickException(str(error)) from error
    if not quiet:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
