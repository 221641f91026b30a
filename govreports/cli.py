"""The `govreports` command: one subcommand per stage.

This module only wires the stages together; each subcommand lives in govreports/commands/<stage>.py
and calls into the stage's own package (crawler, extract, archive).
"""

from __future__ import annotations

import click

from govreports.commands.archive import load, publish, serve
from govreports.commands.crawl import crawl, merge_stores_command
from govreports.commands.demo import demo
from govreports.commands.extract import extract
from govreports.commands.run import run
from govreports.commands.status import status
from govreports.ui import FriendlyGroup


@click.group(cls=FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govreports")
def cli() -> None:
    """Crawl, extract, archive and publish Chinese government information-disclosure annual reports."""


cli.add_command(crawl)
cli.add_command(merge_stores_command)
cli.add_command(extract)
cli.add_command(load)
cli.add_command(publish)
cli.add_command(serve)
cli.add_command(run)
cli.add_command(status)
cli.add_command(demo)
