"""Archiving: a signed, verifiable segment of the trail, written before anything is pruned.

An archive holds the entries after the trail's current base up to a checkpoint (the
segment always ends where a signed root does), every checkpoint up to that one, and
the base it starts from (entry hash and Merkle frontier, which the signed checkpoint at
the base's size vouches for). It verifies offline with nothing but the public key: the
chain from the base, every signature, and that the signed roots cover the whole
segment. JSON lines, in the export's format (mnvault.audit.trail) under its own header.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, func, select

from mnvault.audit import pruned, trail
from mnvault.audit.errors import ArchiveInvalid, NothingToArchive
from mnvault.audit.merkle import Frontier
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.pruned import PrunedBase
from mnvault.audit.trail import HeadState
from mnvault.audit.verification import findings
from mnvault.audit.verification.verify import Report, verify

ARCHIVE_FORMAT = "mnvault-audit-archive-v1"


@dataclass(frozen=True)
class Segment:
    """What a verified archive holds."""

    first_seq: int
    last_seq: int
    end: PrunedBase  # the base the live trail gets once this segment is pruned
    sha256: str  # of the archive file
    hashes_sha256: str  # of the archived entries' hashes, in order
    latest: datetime | None  # the latest time of an archived entry

    @property
    def entries(self) -> int:
        return self.last_seq - self.first_seq + 1


@dataclass(frozen=True)
class Checked:
    report: Report
    segment: Segment | None  # None unless the report is clean


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def segment_end(connection: Connection, before: datetime) -> tuple[int, int]:
    """(the current base, the last entry to archive): the largest checkpointed size
    after the base whose entries all occurred before ``before``."""
    base = pruned.read_base(connection)
    base_seq = base.seq if base is not None else 0
    first_late = connection.execute(
        select(func.min(AuditEntry.seq)).where(
            AuditEntry.seq > base_seq, AuditEntry.occurred_at >= before
        )
    ).scalar_one()
    last = connection.execute(select(func.max(AuditEntry.seq))).scalar_one() or 0
    limit = (first_late - 1) if first_late is not None else last
    end = connection.execute(
        select(func.max(AuditCheckpoint.tree_size)).where(
            AuditCheckpoint.tree_size > base_seq, AuditCheckpoint.tree_size <= limit
        )
    ).scalar_one()
    if end is None:
        raise NothingToArchive()
    return base_seq, int(end)


def write(connection: Connection, out: Path, before: datetime, public_key: bytes) -> Segment:
    """Write the segment before ``before`` to ``out`` and check it with ``public_key``
    (``connection``: one snapshot of the trail, mnvault.audit.trail.snapshot)."""
    base_seq, end = segment_end(connection, before)
    with out.open("w", encoding="utf-8") as handle:
        header = {
            "format": ARCHIVE_FORMAT,
            "first_seq": base_seq + 1,
            "last_seq": end,
            "before": before.astimezone(UTC).isoformat(),
            "created_at": datetime.now(UTC).isoformat(),
            "public_key": public_key.hex(),  # informational: trust comes from the verifier
        }
        handle.write(json.dumps(header) + "\n")
        base = pruned.read_base(connection)
        if base is not None:
            handle.write(json.dumps({"base": {**base.to_json(), "record_seq": 0}}) + "\n")
        trail.write_entries(trail.read_entries(connection, after=base_seq, until=end), handle)
        trail.write_checkpoints(
            (c for c in trail.read_checkpoints(connection) if c.tree_size <= end), handle
        )
    checked = check(out, [public_key])
    if checked.segment is None:
        out.unlink(missing_ok=True)
        first = checked.report.first
        raise ArchiveInvalid(
            "監査記録そのものが検証できません（先に audit verify を）",
            f"the trail itself does not verify, run audit verify first: {first}",
        )
    return checked.segment


def check(path: Path, trusted_keys: list[bytes]) -> Checked:
    """Verify an archive offline; the segment it holds when everything checks out."""
    try:
        archived = trail.load_export(path, ARCHIVE_FORMAT)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveInvalid("形式が正しくありません", "not a readable archive") from exc
    header = archived.header or {}
    base = archived.base
    try:
        frontier = base.merkle() if base is not None else Frontier()
    except ValueError:
        frontier = Frontier()
    hashes = hashlib.sha256()
    for entry in archived.entries:
        frontier.append(entry.entry_hash)
        hashes.update(entry.entry_hash)
    last = archived.entries[-1] if archived.entries else None
    head = HeadState(
        last.seq if last else frontier.size,
        last.entry_hash if last else (base.entry_hash if base else b""),
        frontier.to_bytes(),
        len(archived.checkpoints),
    )
    report = verify(
        archived.entries,
        archived.checkpoints,
        head,
        trusted_keys,
        None,
        witness_required=False,
        base=base,
    )
    first_seq, last_seq = header.get("first_seq"), header.get("last_seq")
    base_seq = base.seq if base is not None else 0
    if not (
        last is not None
        and first_seq == base_seq + 1
        and archived.entries[0].seq == first_seq
        and last.seq == last_seq
        and report.signed_through == last_seq
    ):
        report.findings.append(
            findings.head_mismatch(
                "保管ファイルの範囲が署名済みの範囲と一致しません",
                "the archive's range is not the range its signatures cover",
            )
        )
    if not report.ok or last is None:
        return Checked(report, None)
    try:
        latest = max(datetime.fromisoformat(entry.occurred_at) for entry in archived.entries)
    except ValueError:  # a time that is not one: nothing can be said to lie before a date
        latest = None
    end = PrunedBase(last.seq, last.entry_hash, frontier.to_bytes())
    return Checked(
        report, Segment(base_seq + 1, last.seq, end, file_sha256(path), hashes.hexdigest(), latest)
    )
