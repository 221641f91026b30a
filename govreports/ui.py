"""What the user sees: progress bars (rich, on stderr), the end-of-run summary table, `--quiet` and `--json`
for scripts, and errors as sentences that say what to do instead of tracebacks.

rich rather than tqdm: rich also draws the summary tables and degrades to plain lines when stderr is not a
terminal (cron, CI), and it is already a dependency.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

DEBUG_VARIABLE = "GOVREPORTS_DEBUG"


class Output:
    """One run's output mode: "normal" (progress and tables on stderr), "quiet" (errors only) or "json"
    (one JSON document on stdout, nothing else)."""

    def __init__(self, mode: str = "normal"):
        self.mode = mode
        self.console = Console(stderr=True, highlight=False)

    @classmethod
    def from_flags(cls, quiet: bool, as_json: bool) -> Output:
        return cls("json" if as_json else "quiet" if quiet else "normal")

    @property
    def chatty(self) -> bool:
        return self.mode == "normal"

    def say(self, message: str) -> None:
        if self.chatty:
            self.console.print(message)

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator[Callable[..., None]]:
        """A progress bar (a spinner when the total is unknown); yields `advance(n=1, note="")`."""
        if not self.chatty:
            yield lambda n=1, note="", completed=None: None
            return
        columns = [SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), TextColumn("{task.fields[note]}")]
        with Progress(*columns, console=self.console, transient=False) as bar:
            task = bar.add_task(description, total=total, note="")

            def advance(n: int = 1, note: str = "", completed: int | None = None) -> None:
                if completed is not None:
                    bar.update(task, completed=completed, note=note[-50:])
                else:
                    bar.update(task, advance=n, note=note[-50:])

            yield advance
            if total is not None:
                bar.update(task, completed=total)

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        if not self.chatty:
            return
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if value is None else str(value) for value in row))
        self.console.print(table)

    def emit_json(self, document: dict) -> None:
        if self.mode == "json":
            click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


@contextmanager
def log_without_tracebacks(prefixes: tuple[str, ...] = ("scrapy", "twisted", "crawler")) -> Iterator[None]:
    """Keep the one-line log messages of these loggers and drop their tracebacks (Scrapy logs one for every
    refused connection), unless GOVREPORTS_DEBUG is set. The crawl's outcomes are in its capture index and
    summary; a wall of Twisted frames says nothing more to a user."""
    if os.environ.get(DEBUG_VARIABLE):
        yield
        return
    make_record = logging.getLogRecordFactory()

    def without_traceback(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name.startswith(prefixes) and record.exc_info:
            kind, value = record.exc_info[0], record.exc_info[1]
            record.msg = f"{record.msg} [{kind.__name__ if kind else 'error'}: {value}]"
            record.exc_info = record.exc_text = None
        return record

    logging.setLogRecordFactory(without_traceback)
    try:
        yield
    finally:
        logging.setLogRecordFactory(make_record)


def explain(error: BaseException) -> str | None:
    """A sentence saying what went wrong and what to do, for the errors a user can act on; None otherwise."""
    if isinstance(error, OSError):
        where = error.filename or "the output directory"
        if error.errno == errno.ENOSPC:
            return f"The disk is full ({error.strerror}): could not write {where}. Free some space (or give --out " \
                   "on another disk) and run the same command again; finished stages are kept."
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"Cannot write to {where} ({os.strerror(error.errno)}). Choose a writable --out directory " \
                   "or fix its permissions."
        if error.errno == errno.ENOENT:
            return f"{where} does not exist. Check the path (for a raw store: run `govreports crawl` first)."
        return f"Could not use {where}: {error.strerror or error}."
    if isinstance(error, sqlite3.DatabaseError):
        return f"A database could not be read or written ({error}). If it is damaged, move it aside and run " \
               "`govreports run` again: the archive is rebuilt from the records."
    return None


class FriendlyGroup(click.Group):
    """A click group whose subcommands never show a bare traceback: known errors become sentences (exit 1),
    an interrupt says how to resume (exit 130), anything else names itself and how to see the details."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted. Run the same command again to continue: finished stages are kept.", err=True)
            sys.exit(130)
        except Exception as error:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            sentence = explain(error)
            if sentence is None:
                sentence = (f"Unexpected error: {type(error).__name__}: {error}. Run again with {DEBUG_VARIABLE}=1 "
                            "for the traceback, and please report it.")
            raise click.ClickException(sentence) from error
