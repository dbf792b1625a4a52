"""Long work prints a few progress lines without a terminal, not hundreds (issue #11,
"Operating it as the README says")."""

from __future__ import annotations

from mnvault.cli.progress import progress_printer


def _lines(total: int, batch: int, *, terminal: bool) -> list[str]:
    lines: list[str] = []
    progress = progress_printer("done", terminal=terminal, echo=lines.append)
    for done in range(batch, total + 1, batch):
        progress(done)
    return lines


def test_a_million_keys_in_batches_of_5000_print_a_few_lines_without_a_terminal():
    lines = _lines(1_000_000, 5000, terminal=False)
    assert len(lines) <= 12  # 200 batches
    assert lines[0] == "  done: 5,000"
    assert lines[-1] == "  done: 1,000,000"


def test_small_batches_grow_the_lines_with_the_logarithm_of_the_work():
    assert len(_lines(100_000, 1, terminal=False)) == 16  # 1, 2, 5, 10 … 100,000


def test_on_a_terminal_every_step_is_shown():
    assert len(_lines(1_000_000, 5000, terminal=True)) == 200
