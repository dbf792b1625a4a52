"""Saying what happened at the first entry that breaks the chain, and where.

Everything before the break verified; the entry at the break, the entries after it
(read into memory only now) and the hashes of the last verified entries tell a changed
entry from a deleted, an inserted or a moved one. With several kinds of tampering at
once the answer can only be a range: a convincing entry (anyone can compute a hash)
is caught only by what follows it, so the range reaches back as far as the evidence
allows, never further.
"""

from __future__ import annotations

from dataclasses import replace

from mnvault.audit.trail import HeadState, TrailEntry
from mnvault.audit.verification import findings
from mnvault.audit.verification.findings import Finding

# How far back a renumbering is recognised (k entries deleted and the rest shifted).
RENUMBER_REACH = 8
# How many verified entry hashes are kept to recognise entries slipped in before a break.
RECENT = 1024


def classify(  # noqa: PLR0911 - one answer per kind of tampering
    entry: TrailEntry,
    rest: list[TrailEntry],
    *,
    expected: int,
    prev: bytes,
    recent: list[bytes],
    head: HeadState | None,
) -> Finding:
    """Say what happened at the first entry that breaks (everything before it holds)."""
    seq = entry.seq
    if seq > expected:
        return findings.missing(expected, seq - 1)
    if seq < expected:  # a repeated seq: only an exported file can hold one
        return findings.inserted(seq, seq)
    self_ok = entry.computed_hash() == entry.entry_hash
    link_ok = entry.prev_hash == prev
    # Entries made to look genuine were slipped in before this one, which was shifted up:
    # it still names as its predecessor an earlier entry that verified.
    claimed = _recent_seq(entry.prev_hash, recent, expected) if not link_ok else None
    if claimed is not None:
        if entry.computed_hash(claimed + 1) == entry.entry_hash:
            # The break shows at this entry: keep it inside the located range.
            return replace(findings.inserted(claimed + 1, seq - 1), last_seq=seq)
        return replace(findings.relinked(seq), first_seq=claimed + 1)
    # This entry was slipped in, and the genuine one shifted up behind it.
    following = rest[0] if rest else None
    if (
        following is not None
        and following.prev_hash == prev
        and following.computed_hash(following.seq - 1) == following.entry_hash
    ):
        return findings.inserted(seq, seq)
    if not self_ok:
        # Entries were deleted here and those after renumbered down.
        for shift in range(1, RENUMBER_REACH + 1):
            if entry.computed_hash(seq + shift) == entry.entry_hash:
                return findings.missing_renumbered(seq)
        # This entry belongs elsewhere: its own hash names the entry that followed it.
        home = _home_of(entry, rest, head)
        if home is not None and home != seq and entry.computed_hash(home) == entry.entry_hash:
            return findings.reordered(seq, home)
    if self_ok and not link_ok:
        return findings.relinked(seq)
    if not self_ok and link_ok:
        return findings.changed(seq)
    return findings.relinked(seq)


def widen(
    finding: Finding,
    entry: TrailEntry,
    rest: list[TrailEntry],
    *,
    expected: int,
    prev: bytes,
    recent: list[bytes],
) -> Finding:
    """Move the start of a break back to where the evidence allows.

    Entries that verify can still have been slipped in (anyone can compute a hash).
    When the breaking entry does not link to the last good one, that one is suspect;
    when it or any entry after it names an earlier verified entry as its predecessor,
    everything after that earlier entry is.
    """
    if finding.first_seq is None or expected <= 1:
        return finding
    first = finding.first_seq
    if entry.prev_hash != prev:
        first = min(first, expected - 1)
    known = {recent[seq % RECENT]: seq for seq in range(max(expected - RECENT, 1), expected - 1)}
    for other in (entry, *rest):
        claimed = known.get(other.prev_hash)
        if claimed is not None:
            first = min(first, claimed + 1)
    return replace(finding, first_seq=first)


def _recent_seq(digest: bytes, recent: list[bytes], expected: int) -> int | None:
    """The seq of a recently verified entry (before the last one) with this hash."""
    for seq in range(expected - 2, max(expected - RECENT, 0), -1):
        if recent[seq % RECENT] == digest:
            return seq
    return None


def _home_of(entry: TrailEntry, rest: list[TrailEntry], head: HeadState | None) -> int | None:
    """The seq this entry's hash was made for: one before the entry that points at it."""
    if head is not None and head.entry_hash == entry.entry_hash:
        return head.seq
    for other in rest:
        if other.prev_hash == entry.entry_hash:
            return other.seq - 1
    return None
