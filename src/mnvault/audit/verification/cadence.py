"""Checkpoints that should exist: the cadence the vault signs at, checked by ``verify``.

The vault signs a checkpoint with the append that brings the unsigned entries to
``every_entries`` (a bulk append at its chunk ends) or that comes ``every_seconds`` or
more after the last checkpoint (mnvault.audit.checkpoints). Deleting checkpoints (and
the witness) would otherwise leave a rewritten trail that nothing signed contradicts;
here a stretch of entries that no checkpoint signed although the cadence asked for one
is a finding, with a grace window for batches and clocks:

- entries: more than ``every_entries + grace_entries`` entries between two signed
  checkpoints, or after the last one;
- seconds: an entry at least ``every_seconds + grace_seconds`` after the checkpoint
  before it that the next checkpoint did not sign at once (more than ``grace_seconds``
  before that checkpoint's time), or that no checkpoint signed at all.

Before the first checkpoint the trail's first entry stands in for one. A vault that
records while sealed cannot sign; such a stretch is reported too (sign and look).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mnvault.audit.verification.findings import Finding, Problem

DEFAULT_GRACE_ENTRIES = 20_000  # a bulk append signs at its chunk ends (BULK_CHUNK)
DEFAULT_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Cadence:
    every_entries: int
    every_seconds: float
    grace_entries: int = DEFAULT_GRACE_ENTRIES
    grace_seconds: float = DEFAULT_GRACE_SECONDS

    @property
    def max_entries(self) -> int:
        return self.every_entries + self.grace_entries


@dataclass(frozen=True)
class Signed:
    """Where a good checkpoint (or the pruned base it vouches for) stands."""

    size: int
    at: datetime | None


def overdue(first: int, last: int | None, why_ja: str, why_en: str) -> Finding:
    span_ja = f"{first}〜{last} 番" if last is not None else f"{first} 番以降"
    span_en = f"entries {first} to {last}" if last is not None else f"entries from {first}"
    return Finding(
        Problem.CHECKPOINTS_OVERDUE,
        f"監査記録 {span_ja}を署名したチェックポイントがありません（{why_ja}。"
        f"チェックポイントが削除された可能性があります）",
        f"no checkpoint signed {span_en} ({why_en}; checkpoints may have been deleted)",
        first,
        last,
    )


def check(
    cadence: Cadence,
    start: Signed,
    signed: Sequence[Signed],
    times: Iterable[tuple[int, datetime]],
    count: int,
) -> list[Finding]:
    """Findings for the entries ``start.size``+1 .. ``count`` (``times``: their seq and
    time, in seq order) given the good checkpoints ``signed``."""
    points = [start]
    for point in sorted(signed, key=lambda p: p.size):
        if start.size < point.size <= count and point.size != points[-1].size:
            points.append(point)
    found: list[Finding] = []
    for before, after in zip(points, [*points[1:], None], strict=True):
        end = after.size if after is not None else count
        if end - before.size > cadence.max_entries:
            found.append(
                overdue(
                    before.size + 1,
                    end,
                    f"{end - before.size}件（間隔は{cadence.every_entries}件）",
                    f"{end - before.size} entries; the cadence is {cadence.every_entries}",
                )
            )
    found.extend(_late(cadence, points, times, count))
    return found


def _late(
    cadence: Cadence, points: list[Signed], times: Iterable[tuple[int, datetime]], count: int
) -> list[Finding]:
    found: list[Finding] = []
    every = timedelta(seconds=cadence.every_seconds)
    grace = timedelta(seconds=cadence.grace_seconds)
    index = 0
    since = points[0].at
    reported = -1
    for seq, at in times:
        if seq <= points[0].size or seq > count:
            continue
        while index + 1 < len(points) and seq > points[index + 1].size:
            index += 1
            since = points[index].at
        if since is None:
            since = at  # the first entry stands in for a checkpoint before it
        if reported == index or at < since + every + grace:
            continue
        following = points[index + 1] if index + 1 < len(points) else None
        if following is not None and following.at is not None and at >= following.at - grace:
            continue  # the append that signed it
        reported = index
        last = following.size if following is not None else None
        found.append(
            overdue(
                seq,
                last,
                f"{seq} 番は直前の署名から{cadence.every_seconds:g}秒を超えて記録されました",
                f"entry {seq} came more than {cadence.every_seconds:g} s after the "
                f"checkpoint before it",
            )
        )
    return found
