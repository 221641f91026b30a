"""`python -m govreports` runs the `govreports` command."""

from govreports.cli import cli

cli()
