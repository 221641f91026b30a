"""`govreports demo`: the whole pipeline on a local demo portal, then Datasette on http://127.0.0.1:8001.

The portal (govreports/demo) is built from the three sample reports shipped with the package and reports
generated from them in the formats and with the faults real portals have; it is served on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import click

from govreports.commands.run import output_options, run_stages, summarise
from govreports.pipeline import Layout, Pipeline, check_writable
from govreports.ui import Output

# The demo portal listens on a fixed port: report URLs are part of the archive's identity, so a second
# `govreports demo` must see the same URLs to find the archive up to date instead of doubling it.
PORTAL_PORT = 8002
# A local portal needs no politeness delay; its broken link and challenge page are there on purpose, so
# the crawl's warnings about them are left out (the summary and `govreports status` list them).
CRAWL_SETTINGS = {"AUTOTHROTTLE_START_DELAY": 0.1, "LOG_LEVEL": "ERROR"}


def build_portal(out: Path, output: Output) -> dict:
    from govreports.demo.site import build_site

    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        output.say("LibreOffice is not installed (bash setup.sh installs it): the demo's PDF, DOC and scanned "
                   "reports are left out.")
    with output.progress("build demo portal (LibreOffice renders PDF and DOC once)", None):
        return build_site(out / "portal-cache")


def serve_archive(layout: Layout, port: int, output: Output) -> None:
    from archive.serving import ArchiveServer, ServeError

    try:
        server = ArchiveServer(layout.db, port=port, files_dir=layout.raw, log_level="warning")
    except ServeError as error:
        raise click.ClickException(str(error)) from error
    server.run()


def where_to_look(layout: Layout, port: int, serving: bool) -> str:
    base = f"http://127.0.0.1:{port}/{layout.db.stem}"
    lines = [
        "",
        f"Archive built in {layout.out}:",
        f"  raw store (WARC, files, captures.db)  {layout.raw}",
        f"  report-model records                  {layout.records}",
        f"  archive (SQLite)                      {layout.db}",
        f"  release files (CSV, Parquet, sums)    {layout.release}",
    ]
    if serving:
        lines += [
            "",
            f"Datasette is serving it on http://127.0.0.1:{port}/  (Ctrl-C to stop). Look at:",
            f"  the reports        {base}/reports",
            f"  every number       {base}/cells",
            f"  full-text search   {base}/reports?_search=依申请公开",
            f"  failed inputs      {base}/load_issues",
            f"  the JSON API       {base}/reports.json?_shape=array",
        ]
    else:
        lines.append(f"Serve it with: govreports serve {layout.db} --files {layout.raw}")
    return "\n".join(lines)


@click.command()
@click.option("--out", default=Path("demo-out"), show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where the demo's raw store, records, archive and release go.")
@click.option("--port", default=8001, show_default=True, help="Datasette's port.")
@click.option("--portal-port", default=PORTAL_PORT, show_default=True, help="The demo portal's port.")
@click.option("--no-serve", is_flag=True, help="Build the archive and stop (for tests and scripts).")
@click.option("--force", is_flag=True, help="Run every stage even when its output is up to date.")
@output_options
def demo(out: Path, port: int, portal_port: int, no_serve: bool, force: bool, quiet: bool, as_json: bool) -> None:
    """Start a local demo portal, crawl it, extract, load, publish, and serve the archive with Datasette."""
    from govreports.demo.server import serve_demo_portal

    output = Output.from_flags(quiet, as_json)
    layout = Layout(out)
    check_writable(layout.out)
    pipeline = Pipeline(layout, output)
    pages = build_portal(layout.out, output)
    with ExitStack() as stack:
        try:
            portal = stack.enter_context(serve_demo_portal(pages, port=portal_port))
        except OSError as error:
            raise click.ClickException(f"The demo portal cannot listen on 127.0.0.1:{portal_port} "
                                       f"({error.strerror}); give --portal-port with a free port.") from error
        output.say(f"Demo portal on {portal.base_url}/")
        run_stages(pipeline, seeds=None, urls=(f"{portal.base_url}/",), settings=CRAWL_SETTINGS,
                   stages=("crawl", "extract", "load", "publish"), fresh_hours=20.0, force=force)
    summarise(pipeline, output)
    output.say(where_to_look(layout, port, serving=not no_serve))
    if not no_serve:
        serve_archive(layout, port, output)
