"""Verifying the trail: the chain, every checkpoint signature, and the witness.

Works on plain inputs (canonical entries, checkpoints, the head, witness contents and
the public keys to trust), so the same code checks a live database and an exported
trail offline. The entries are read once, in seq order; only after a break is the rest
of the trail read into memory, to tell a change from a deletion, an insertion or a
reordering.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from mnvault.audit import consistency, pruned, signed_head, trail, witness
from mnvault.audit.chain import GENESIS
from mnvault.audit.errors import LastSignedUnreadable, TrailUnreadable
from mnvault.audit.merkle import Frontier
from mnvault.audit.pruned import PrunedBase
from mnvault.audit.signed_head import SignedHead
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.audit.trail import HeadState, TrailEntry
from mnvault.audit.verification import cadence as cadence_rules
from mnvault.audit.verification import findings
from mnvault.audit.verification.cadence import Cadence, Signed
from mnvault.audit.verification.findings import Finding
from mnvault.audit.verification.locate import RECENT, classify, widen
from mnvault.audit.witness import WitnessContents
from mnvault.config import Settings
from mnvault.crypto import verify_signature
from mnvault.db.engine import make_engine

_DB = ("データベース", "the database")
_WITNESS = ("証人ファイル", "the witness")
_HEAD = ("連鎖の先頭", "the chain head")
_SIGNED_HEAD = ("鍵束とともに保管した最後の署名", "the last signed head kept with the keyring")


@dataclass
class Report:
    entries: int = 0
    checkpoints: int = 0
    witnessed: int = 0
    signed_through: int = 0  # entries 1..signed_through are covered by a good checkpoint
    pruned_through: int = 0  # entries 1..pruned_through were archived and pruned
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return min(self.findings, key=Finding.sort_key) if self.findings else None

    @property
    def unsigned_tail(self) -> int:
        """Entries after the last good checkpoint: chained, but not yet signed."""
        return max(self.pruned_through + self.entries - self.signed_through, 0)


@dataclass(frozen=True, slots=True)
class _Anchor:
    """A signed statement of the root at one tree size, to compare the entries with."""

    checkpoint: Checkpoint
    source: tuple[str, str]


def verify(
    entries: Iterable[TrailEntry],
    checkpoints: Sequence[Checkpoint],
    head: HeadState | None,
    trusted_keys: Iterable[bytes],
    witness_contents: WitnessContents | None = None,
    *,
    witness_required: bool = True,
    prescanned: Scan | None = None,
    base: PrunedBase | None = None,
    base_record: TrailEntry | None = None,
    last_signed: SignedHead | None = None,
    cadence: Cadence | None = None,
    times: Iterable[tuple[int, datetime]] | None = None,
) -> Report:
    """Check everything; ``witness_required``: checkpoints without a witness are a finding
    (a deployment always writes one; an export checked on its own has none).
    ``prescanned``: the entries were already found whole by a faster pass
    (mnvault.audit.verification.parallel), which saw exactly the sizes in :func:`anchor_sizes`.
    ``base``: the trail starts after a prune (mnvault.audit.pruned); ``base_record`` is
    the entry recording that prune (None in an archive, whose base no prune records).
    ``last_signed``: the last head the vault signed, kept with the keyring (an anchor the
    database's insiders cannot reach). ``cadence``: also report stretches no checkpoint
    signed although the vault would have (mnvault.audit.verification.cadence); ``times``
    are then the entries' (seq, time), read apart from ``entries``."""
    report = Report(checkpoints=len(checkpoints))
    keys = {key_id(key): key for key in trusted_keys}
    anchors = _check_checkpoints(checkpoints, keys, report)
    if witness_contents is not None:
        witnessed = _check_witness(witness_contents, checkpoints, keys, report)
        _check_proofs(witness_contents, [*anchors, *witnessed], report)
        anchors += witnessed
    elif checkpoints and witness_required:
        report.findings.append(findings.witness_missing())
    if last_signed is not None:
        anchors += _check_last_signed(last_signed, checkpoints, keys, report)
    start = _start(base, anchors, report)
    if prescanned is None:
        scan, whole = _scan(iter(entries), anchor_sizes(anchors), head, report, start)
    else:
        (scan, whole), report.entries = (prescanned, True), prescanned.count
    _check_entries(
        scan,
        whole=whole,
        anchors=anchors,
        head=head,
        checkpoint_count=len(checkpoints),
        report=report,
    )
    if base is not None and base.record_seq:
        _check_record(base, base_record, keys, report, whole=whole)
    if cadence is not None and whole:
        report.findings += cadence_rules.check(
            cadence,
            _signed_start(base, anchors),
            [
                Signed(anchor.checkpoint.tree_size, anchor.checkpoint.created_at)
                for anchor in anchors
                if anchor.checkpoint.tree_size <= report.signed_through
            ],
            times if times is not None else iter(()),
            scan.count,
        )
    report.findings.sort(key=Finding.sort_key)
    return report


def _signed_start(base: PrunedBase | None, anchors: Sequence[_Anchor]) -> Signed:
    if base is None or base.seq <= 0:
        return Signed(0, None)
    at = [a.checkpoint.created_at for a in anchors if a.checkpoint.tree_size == base.seq]
    return Signed(base.seq, min(at) if at else None)


def _check_last_signed(
    last: SignedHead, checkpoints: Sequence[Checkpoint], keys: dict[str, bytes], report: Report
) -> list[_Anchor]:
    """The last signed head: by a trusted key, and in the database as it was signed."""
    checkpoint = last.checkpoint
    if not _signed_by(checkpoint, keys):
        report.findings.append(
            findings.bad_signature(checkpoint.id, 1, checkpoint.tree_size, *_SIGNED_HEAD)
        )
        return []
    stored = next((c for c in checkpoints if c.id == checkpoint.id), None)
    if stored != checkpoint:
        report.findings.append(
            findings.outside_disagrees(checkpoint.id, *_SIGNED_HEAD, absent=stored is None)
        )
    return [_Anchor(checkpoint, _SIGNED_HEAD)]


def _check_proofs(contents: WitnessContents, anchors: Sequence[_Anchor], report: Report) -> None:
    """Each witnessed proof between two checkpoints signed by a trusted key (RFC 6962)."""
    good = {anchor.checkpoint.id: anchor.checkpoint for anchor in anchors}
    good |= {a.checkpoint.id: a.checkpoint for a in anchors if a.source == _WITNESS}
    for later_id, proof in sorted(contents.proofs.items()):
        later, earlier = good.get(later_id), good.get(proof.earlier)
        if later is None or earlier is None:
            continue  # a bad signature or a lost line is its own finding
        if earlier.tree_size != proof.earlier_size or not consistency.verify(
            earlier.tree_size, later.tree_size, earlier.root, later.root, proof.nodes
        ):
            report.findings.append(findings.inconsistent(later_id, proof.earlier))


def _start(base: PrunedBase | None, anchors: Sequence[_Anchor], report: Report) -> Scan:
    """Where the chain starts: genesis, or a pruned base a signed checkpoint vouches for."""
    if base is None or base.seq <= 0:
        return Scan(0, GENESIS, Frontier(), {})
    report.pruned_through = report.signed_through = base.seq
    try:
        frontier = base.merkle()
    except ValueError:
        frontier = None
    root = frontier.root() if frontier is not None else b""
    if frontier is None or not any(
        anchor.checkpoint.tree_size == base.seq
        and (anchor.checkpoint.root, anchor.checkpoint.head_hash) == (root, base.entry_hash)
        for anchor in anchors
    ):
        report.findings.append(
            findings.unrecorded_prune(
                base.seq,
                "削除位置に一致する署名付きチェックポイントがありません",
                "no signed checkpoint matches the pruned base",
            )
        )
        frontier = frontier or Frontier()
    return Scan(base.seq, base.entry_hash, frontier, {})


def _check_record(
    base: PrunedBase,
    record: TrailEntry | None,
    keys: dict[str, bytes],
    report: Report,
    *,
    whole: bool,
) -> None:
    """The entry recording the prune: there, signed by a trusted key, and checkpointed.

    A break in the chain at or before it is the finding already (entries shifted by an
    insertion no longer sit where the prune row says); nothing past a break is signed."""
    broken = [f.first_seq for f in report.findings if f.problem in findings.ENTRY_PROBLEMS]
    if any(seq is not None and seq <= base.record_seq for seq in broken):
        return
    if not (
        record is not None
        and record.seq == base.record_seq
        and record.action == pruned.PRUNE_ACTION
        and record.outcome == "ok"
        and pruned.record_signed(record.details, base, keys, verify_signature)
    ):
        report.findings.append(
            findings.unrecorded_prune(
                base.seq,
                "削除の記録がないか、署名が正しくありません",
                "the prune record is missing or not signed by a trusted key",
            )
        )
    elif whole and record.seq > report.signed_through:
        report.findings.append(
            findings.unrecorded_prune(
                base.seq, "削除の記録が署名されていません", "the prune record is not signed yet"
            )
        )


def _range_of(checkpoints: Sequence[Checkpoint], index: int) -> tuple[int, int]:
    start = checkpoints[index - 1].tree_size + 1 if index > 0 else 1
    return min(start, checkpoints[index].tree_size), checkpoints[index].tree_size


# The witness repeats the database's checkpoints: each statement is checked once.
_verified = lru_cache(maxsize=1 << 16)(verify_signature)


def _signed_by(checkpoint: Checkpoint, keys: dict[str, bytes]) -> bool:
    key = keys.get(checkpoint.key_id)
    return key is not None and _verified(key, checkpoint.message(), checkpoint.signature)


def _check_checkpoints(
    checkpoints: Sequence[Checkpoint], keys: dict[str, bytes], report: Report
) -> list[_Anchor]:
    anchors: list[_Anchor] = []
    expected = 1
    for index, checkpoint in enumerate(checkpoints):
        while expected < checkpoint.id:  # ids are 1, 2, 3 ...: a gap is a deletion
            report.findings.append(findings.checkpoint_missing(expected))
            expected += 1
        expected = checkpoint.id + 1
        if _signed_by(checkpoint, keys):
            anchors.append(_Anchor(checkpoint, _DB))
        else:
            first, last = _range_of(checkpoints, index)
            report.findings.append(findings.bad_signature(checkpoint.id, first, last, *_DB))
    return anchors


def _check_witness(
    contents: WitnessContents,
    checkpoints: Sequence[Checkpoint],
    keys: dict[str, bytes],
    report: Report,
) -> list[_Anchor]:
    anchors: list[_Anchor] = []
    in_db = {checkpoint.id: checkpoint for checkpoint in checkpoints}
    for line in contents.damaged_lines:
        report.findings.append(findings.witness_damaged(line))
    seen: set[int] = set()
    by_size = sorted(contents.checkpoints, key=lambda item: item[0].tree_size)
    for index, (checkpoint, _public_key) in enumerate(by_size):
        if checkpoint.id in seen:
            continue  # the same checkpoint appended twice is harmless
        seen.add(checkpoint.id)
        report.witnessed += 1
        if not _signed_by(checkpoint, keys):
            first, last = _range_of([c for c, _ in by_size], index)
            report.findings.append(findings.bad_signature(checkpoint.id, first, last, *_WITNESS))
            continue
        anchors.append(_Anchor(checkpoint, _WITNESS))
        stored = in_db.get(checkpoint.id)
        if stored is None:
            report.findings.append(findings.witness_disagrees(checkpoint.id, absent=True))
        elif stored != checkpoint:
            report.findings.append(findings.witness_disagrees(checkpoint.id, absent=False))
    return anchors


@dataclass
class Scan:
    """What a pass over entries 1..count that found no break gives."""

    count: int
    last_hash: bytes
    frontier: Frontier
    roots: dict[int, tuple[bytes, bytes]]  # tree size -> (Merkle root, entry hash there)


def anchor_sizes(anchors: Sequence[_Anchor]) -> set[int]:
    return {anchor.checkpoint.tree_size for anchor in anchors}


def _scan(
    entries: Iterator[TrailEntry],
    sizes: set[int],
    head: HeadState | None,
    report: Report,
    start: Scan,
) -> tuple[Scan, bool]:
    """Check the chain entry by entry from ``start``; (the clean prefix, whether the
    trail was whole).

    At the first break the rest is read into memory to say what happened there."""
    frontier, roots, base = start.frontier, start.roots, start.count
    expected, prev = base + 1, start.last_hash
    recent: list[bytes] = [b""] * RECENT  # entry hashes by seq % RECENT
    if base:
        recent[base % RECENT] = prev  # a pruned base is a verified entry too
    for entry in entries:
        if (
            entry.seq != expected
            or entry.prev_hash != prev
            or entry.computed_hash() != entry.entry_hash
        ):
            rest = list(entries)
            finding = classify(entry, rest, expected=expected, prev=prev, recent=recent, head=head)
            finding = widen(finding, entry, rest, expected=expected, prev=prev, recent=recent)
            if head is not None and base <= head.seq < expected - 1 and finding.first_seq:
                # Entries past the head's end chained cleanly: they were appended behind
                # its back, so the break reaches back to the first of them.
                finding = replace(finding, first_seq=min(finding.first_seq, head.seq + 1))
            if base and finding.first_seq is not None and finding.first_seq <= base:
                finding = replace(finding, first_seq=base + 1)  # the base is signed
            report.findings.append(finding)
            report.entries = expected - base + len(rest)
            return Scan(expected - 1, prev, frontier, roots), False
        frontier.append(entry.entry_hash)
        prev = recent[expected % RECENT] = entry.entry_hash
        if expected in sizes:
            roots[expected] = (frontier.root(), prev)
        expected += 1
    report.entries = expected - 1 - base
    return Scan(expected - 1, prev, frontier, roots), True


def _check_entries(
    scan: Scan,
    *,
    whole: bool,
    anchors: list[_Anchor],
    head: HeadState | None,
    checkpoint_count: int,
    report: Report,
) -> None:
    """Compare the scanned entries with every signed root; then the tail and the head."""
    # The tree size of the last anchor that matched; a pruned base was checked by _start.
    anchored = report.pruned_through
    pending = sorted(anchors, key=lambda anchor: anchor.checkpoint.tree_size)
    for anchor in pending:
        size = anchor.checkpoint.tree_size
        if size > scan.count:
            break
        if size <= report.pruned_through:
            continue
        if scan.roots[size] != (anchor.checkpoint.root, anchor.checkpoint.head_hash):
            report.findings.append(
                findings.rewritten(anchored + 1, size, anchor.checkpoint.id, *anchor.source)
            )
            report.signed_through = anchored
            return
        anchored = size
    report.signed_through = anchored
    if not whole:
        return
    if pending and pending[-1].checkpoint.tree_size > scan.count:
        # Signed roots reach past the end: the tail is gone, and the entries after the
        # last root that matched are vouched for by no signature any more.
        beyond = pending[-1]
        report.findings.append(
            findings.truncated(
                scan.count, beyond.checkpoint.tree_size, *beyond.source, unsigned_from=anchored + 1
            )
        )
    _check_head(
        head,
        count=scan.count,
        last_hash=scan.last_hash,
        frontier=scan.frontier,
        checkpoint_count=checkpoint_count,
        report=report,
    )


def _check_head(
    head: HeadState | None,
    *,
    count: int,
    last_hash: bytes,
    frontier: Frontier,
    checkpoint_count: int,
    report: Report,
) -> None:
    if head is None:
        report.findings.append(findings.head_mismatch("先頭がありません", "there is no head"))
        return
    if head.seq > count:
        report.findings.append(findings.truncated(count, head.seq, *_HEAD))
    elif head.seq < count:
        report.findings.append(findings.inserted(head.seq + 1, count))
    elif head.entry_hash != last_hash:
        # The last entry verifies on its own, yet it is not the entry the head recorded:
        # replaced, with its hash recomputed.
        report.findings.append(findings.changed(count))
    elif head.frontier != frontier.to_bytes():
        report.findings.append(
            findings.head_mismatch("マークル木が一致しません", "the Merkle frontier differs")
        )
    if head.checkpoint_id > checkpoint_count:
        for missing in range(checkpoint_count + 1, head.checkpoint_id + 1):
            report.findings.append(findings.checkpoint_missing(missing))


# -- a deployment ---------------------------------------------------------------------------


# Below this many entries one process verifies faster than starting several.
PARALLEL_FROM = 1 << 17


def verify_database(
    engine: Engine,
    trusted_keys: Iterable[bytes],
    witness_path: Path | None,
    *,
    processes: int | None = None,
    last_signed: SignedHead | None = None,
    cadence: Cadence | None = None,
) -> Report:
    """Verify the trail in a database against its witness file (None: no witness), the
    last head the vault signed and the checkpoint cadence (None: neither checked).

    A large trail is first checked on ``processes`` cores (default: all); only when
    that finds anything amiss is it read again entry by entry, to name the break.
    """
    from mnvault.audit.verification import parallel  # noqa: PLC0415 - it builds on this module

    contents = _read_witness(witness_path)
    with trail.snapshot(engine) as connection:
        checkpoints = trail.read_checkpoints(connection)
        head = trail.read_head(connection)
        prescanned = None
        if (
            processes != 1
            and head is not None
            and head.seq >= PARALLEL_FROM
            and parallel.covers(connection, head.seq)
        ):
            sizes = {checkpoint.tree_size for checkpoint in checkpoints}
            if contents is not None:
                sizes |= {checkpoint.tree_size for checkpoint, _ in contents.checkpoints}
            if last_signed is not None:
                sizes.add(last_signed.checkpoint.tree_size)
            # Workers read entries 1..head.seq, which appends never change, in snapshots
            # of their own; entries past this snapshot's head are this pass's to see.
            prescanned = parallel.scan(engine, sizes, head.seq, processes)
        base, record = _base_of(connection)
        entries = trail.read_entries(connection) if prescanned is None else iter(())
        after = base.seq if base is not None else 0
        return verify(
            entries,
            checkpoints,
            head,
            trusted_keys,
            contents,
            prescanned=prescanned,
            base=base,
            base_record=record,
            last_signed=last_signed,
            cadence=cadence,
            times=trail.read_times(connection, after=after) if cadence is not None else None,
        )


def verify_connection(
    connection: Connection,
    trusted_keys: Iterable[bytes],
    witness_contents: WitnessContents | None = None,
    *,
    cadence: Cadence | None = None,
) -> Report:
    """Verify, in one process, the trail as ``connection`` sees it (e.g. in a transaction)."""
    base, record = _base_of(connection)
    after = base.seq if base is not None else 0
    return verify(
        trail.read_entries(connection),
        trail.read_checkpoints(connection),
        trail.read_head(connection),
        trusted_keys,
        witness_contents,
        witness_required=witness_contents is not None,
        base=base,
        base_record=record,
        cadence=cadence,
        times=trail.read_times(connection, after=after) if cadence is not None else None,
    )


def _base_of(connection: Connection) -> tuple[PrunedBase | None, TrailEntry | None]:
    base = pruned.read_base(connection)
    if base is None:
        return None, None
    records = list(trail.read_entries(connection, after=base.record_seq - 1, until=base.record_seq))
    return base, records[0] if records else None


def verify_export(
    path: Path,
    trusted_keys: Iterable[bytes],
    witness_path: Path | None = None,
    *,
    cadence: Cadence | None = None,
) -> Report:
    """Verify an exported trail offline, with nothing but the public key (and a witness)."""
    exported = trail.load_export(path)
    times = [(entry.seq, trail.parse_time(entry.occurred_at)) for entry in exported.entries]
    return verify(
        exported.entries,
        exported.checkpoints,
        exported.head,
        trusted_keys,
        _read_witness(witness_path),
        witness_required=witness_path is not None,
        base=exported.base,
        base_record=exported.base_record(),
        cadence=cadence,
        times=times,
    )


def _read_witness(path: Path | None) -> WitnessContents | None:
    if path is None or not path.exists():
        return None
    return witness.read(path)


def cadence_of(settings: Settings) -> Cadence:
    return Cadence(
        every_entries=settings.audit_checkpoint_entries,
        every_seconds=settings.audit_checkpoint_seconds,
        grace_entries=settings.audit_checkpoint_grace_entries,
        grace_seconds=settings.audit_checkpoint_grace_seconds,
    )


def last_signed_of(settings: Settings) -> SignedHead | None:
    """The last head the vault signed (kept with the keyring); a damaged file is an
    error (LastSignedUnreadable), never a reason to check less."""
    try:
        return signed_head.read(signed_head.path_of(settings.keyring_path))
    except (OSError, ValueError) as exc:
        raise LastSignedUnreadable() from exc


def verify_deployment(
    settings: Settings, trusted_keys: Iterable[bytes], witness_path: Path | None
) -> Report:
    """Verify the trail of the deployment ``settings`` describe, read-only (no migration):
    with its witness, the last head the vault signed and the checkpoint cadence."""
    last_signed = last_signed_of(settings)
    engine = _existing_engine(settings)
    try:
        return verify_database(
            engine,
            trusted_keys,
            witness_path,
            last_signed=last_signed,
            cadence=cadence_of(settings),
        )
    except DBAPIError as exc:
        raise TrailUnreadable() from exc
    finally:
        engine.dispose()


def _existing_engine(settings: Settings) -> Engine:
    # Opening a SQLite URL creates the file: verifying a wrong path must not do that.
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (
        url.database and url.database != ":memory:" and Path(url.database).exists()
    ):
        raise TrailUnreadable()
    return make_engine(settings.database_url)


def export_deployment(settings: Settings, out: Path) -> int:
    """Export the trail of a deployment for offline verification; returns the entries."""
    engine = _existing_engine(settings)
    try:
        with trail.snapshot(engine) as connection, out.open("w", encoding="utf-8") as handle:
            return trail.export(connection, handle)
    finally:
        engine.dispose()
