"""Helpers shared by the benchmarks: peak RSS, phases in fresh processes, JSON output."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
from typing import Any


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def children_peak_rss_mb() -> float:
    """The largest peak RSS among this process's finished child processes, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def reset_peak_rss() -> bool:
    """Start the peak over from the current RSS (Linux: /proc/self/clear_refs), so a
    later :func:`peak_rss_mb` measures only what follows. False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the JSON line."""
    print(message, file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, ensure_ascii=False), flush=True)


def run_phase(script: str, phase: str, args: list[str]) -> dict[str, Any]:
    """Run one measured phase in a fresh interpreter, so its peak RSS is its own.

    The child runs ``script --phase PHASE ARGS`` and prints one JSON line on stdout.
    Linux carries the parent's peak RSS over fork and exec into the child's ru_maxrss,
    so the parent must stay smaller than any phase it measures.
    """
    done = subprocess.run(
        [sys.executable, script, "--phase", phase, *args],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "python": platform.python_version()}


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0
