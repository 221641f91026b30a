"""Run `govreports ARGS` and SIGKILL it from inside at a chosen point: on the Nth call of MODULE:ATTRIBUTE
(a function, or Class.method), before that call does anything. A kill, not an exception: no finally
block, no atexit handler, no flush runs — what a power cut or the OOM killer does.

    python tests/reliability/killer.py extract.rawstore:finish_report 4 -- run --out OUT ...
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys


def arm(target: str, on_call: int) -> None:
    module_name, _, attribute = target.partition(":")
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    def deadly(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls >= on_call:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, deadly)


if __name__ == "__main__":
    target, on_call, separator, *command = sys.argv[1:]
    assert separator == "--", __doc__
    arm(target, int(on_call))
    from govreports.cli import cli

    cli(command, prog_name="govreports")
