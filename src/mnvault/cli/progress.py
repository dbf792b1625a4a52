"""Progress lines for long work (key rotation, disposal runs).

On a terminal every step is shown; in a script or a CI log (no terminal) a
million-key rotation must not print hundreds of lines, so only the first step and
the steps that pass 1, 2 or 5 times a power of ten are printed: a few lines per
tenfold growth, whatever the batch size.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer


def _milestone_after(done: int) -> int:
    """The smallest 1·10ᵏ, 2·10ᵏ or 5·10ᵏ strictly greater than ``done``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale > done:
                return step * scale
        scale *= 10


def progress_printer(
    label: str, *, terminal: bool | None = None, echo: Callable[[str], None] | None = None
) -> Callable[[int], None]:
    """A ``progress(done)`` callback printing ``label: done`` to stderr."""
    shown_on_every_step = sys.stderr.isatty() if terminal is None else terminal
    say = echo or (lambda text: typer.echo(text, err=True))
    next_line = 0

    def progress(done: int) -> None:
        nonlocal next_line
        if shown_on_every_step or done >= next_line:
            say(f"  {label}: {done:,}")
            next_line = _milestone_after(done)

    return progress
