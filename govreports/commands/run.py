"""`govreports run`: crawl → extract → load → publish in one go, each stage skipped when its output is up to date."""

from __future__ import annotations

from pathlib import Path

import click

from govreports.commands.crawl import _setting
from govreports.pipeline import Layout, Pipeline, StageResult
from govreports.ui import Output

STAGES = ("crawl", "extract", "load", "publish")
SUMMARY_FIGURES = {  # what the summary table shows of each stage's figures (--json gives them all)
    "crawl": ("mode", "reports", "attachments", "requests", "revisits", "gone"),
    "extract": ("records", "failed", "cells"),
    "load": ("read", "written", "unchanged", "issues"),
    "publish": ("reports", "cells"),
}


def output_options(command):
    """--quiet and --json, shared by every command that reports on long work."""
    command = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout, nothing else.")(
        command
    )
    return click.option("--quiet", "-q", is_flag=True, help="No progress and no summary; errors only.")(command)


def summarise(pipeline: Pipeline, output: Output) -> None:
    """The end-of-run table: one row per stage (ran or skipped and why, time, what it produced)."""
    rows = [[r.stage, "ran" if r.ran else "skipped", r.reason, f"{r.seconds:.1f}", _figures(r)]
            for r in pipeline.results]
    output.table(f"govreports run → {pipeline.layout.out}", ["stage", "", "why", "seconds", "result"], rows)
    output.emit_json(pipeline.as_dict())


def _figures(result: StageResult) -> str:
    keep = SUMMARY_FIGURES[result.stage]
    parts = [f"{key} {result.figures[key]}" for key in keep if result.figures.get(key) is not None]
    if result.stage == "crawl" and result.figures.get("new_reports"):
        parts.append(f"new {len(result.figures['new_reports'])}")
    if result.stage == "crawl" and result.figures.get("alerts"):
        parts.append("ALERTS: " + "; ".join(f"{a['portal']}: {a['alert']}" for a in result.figures["alerts"]))
    if result.stage == "extract" and result.figures.get("errors"):
        parts.append("errors: " + ", ".join(f"{code} {n}" for code, n in result.figures["errors"].items()))
    return ", ".join(parts)


def run_stages(pipeline: Pipeline, *, seeds: Path | None, urls: tuple[str, ...], settings: dict,
               stages: tuple[str, ...], fresh_hours: float, force: bool) -> None:
    if "crawl" in stages:
        pipeline.crawl(seeds, urls, settings, fresh_hours=fresh_hours, force=force)
    if "extract" in stages:
        pipeline.extract(force=force)
    if "load" in stages:
        pipeline.load(force=force)
    if "publish" in stages:
        pipeline.publish(force=force)


@click.command()
@click.option("--seeds", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Portals file (default: seeds/portals.csv when no --url is given).")
@click.option("--url", "urls", multiple=True, help="Crawl this start URL instead of the seeds (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory: raw/ (raw store), records.jsonl, archive.db, release/, state.json.")
@click.option("--set", "-s", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("--only", "only", multiple=True, type=click.Choice(STAGES),
              help="Run only these stages (repeatable); the others are left as they are.")
@click.option("--skip-crawl", is_flag=True, help="Work on what the raw store already holds (no network).")
@click.option("--fresh-hours", default=20.0, show_default=True,
              help="A crawl of the same seeds finished less than this long ago is not repeated.")
@click.option("--force", is_flag=True, help="Run every stage even when its output is up to date.")
@output_options
def run(seeds: Path | None, urls: tuple[str, ...], out: Path, settings: tuple[str, ...], only: tuple[str, ...],
        skip_crawl: bool, fresh_hours: float, force: bool, quiet: bool, as_json: bool) -> None:
    """Crawl, extract, load and publish into OUT in one go; a stage whose output is up to date is skipped.

    Killed or failed half-way? Run the same command again: finished stages are skipped and the
    interrupted one goes on from what it had written.
    """
    stages = only or STAGES
    if skip_crawl:
        stages = tuple(stage for stage in stages if stage != "crawl")
    if "crawl" in stages and not urls:
        seeds = seeds or Path("seeds/portals.csv")
        if not seeds.exists():
            raise click.BadParameter(f"{seeds} does not exist (give --seeds FILE or --url URL)", param_hint="--seeds")
    output = Output.from_flags(quiet, as_json)
    pipeline = Pipeline(Layout(out), output)
    run_stages(pipeline, seeds=seeds, urls=urls, settings=_setting(settings), stages=stages,
               fresh_hours=fresh_hours, force=force)
    summarise(pipeline, output)
    output.say(f"Archive: {pipeline.layout.db}  ·  serve it: govreports serve {pipeline.layout.db} "
               f"--files {pipeline.layout.raw}")
