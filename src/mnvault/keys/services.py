"""KEK rotation: a new version, every wrapped key re-wrapped online, old versions destroyed.

The data stays encrypted as it is; only the wrapped data keys change, in batches, each
batch committed with the rotation's cursor, so an interrupted rotation resumes where it
stopped. An old version is destroyed only when no wrapped key uses it any more; from then
on nothing wrapped under it (in a backup, say) can be unwrapped (事業者編 別添1 2E d
復元不可能な手段; DESIGN.md §4).

The blind-index key rotates with the KEK (issue #11): the same pass re-indexes each kept
number under the new index key, and the old index key is destroyed once no row uses it,
so a backup's blind indexes no longer confirm a guessed disposed number either. Until
then lookups look under every held version (mnvault.crypto.Envelope.blind_indexes).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.context import unit_of_work
from mnvault.crypto import Envelope, KeyProvider, WrappedKey
from mnvault.crypto.keyring import REFRESH_SECONDS, KekInfo
from mnvault.db.base import utcnow
from mnvault.db.bulk import Adapt, update_rows
from mnvault.db.wrapped import wrapped_keys
from mnvault.keys.errors import StaleWrapping
from mnvault.keys.models import KekRotation, RotationState
from mnvault.vault.models import DataKey, NumberRecord, Person
from mnvault.vault.services import MY_NUMBER_FIELD

DEFAULT_BATCH = 5000
# Long-lived processes pick up a rotated keyring within REFRESH_SECONDS of the change; a
# rotation counts the keys under old versions (and may destroy them) only after this.
GRACE_SECONDS = 2 * REFRESH_SECONDS
# Passes over the data keys before giving up on a process that keeps wrapping under an
# old version (a server that has not reloaded the keyring).
MAX_PASSES = 3


class RotatingKeyring(KeyProvider, Protocol):
    def rotate(self) -> int: ...

    def destroy_version(self, version: int) -> None: ...

    def destroy_index_version(self, version: int) -> None: ...


@dataclass(frozen=True, slots=True)
class RotationResult:
    rotation_id: uuid.UUID
    to_version: int
    rewrapped: int
    destroyed_versions: list[int]
    started_at: datetime
    finished_at: datetime
    resumed: bool


@dataclass(frozen=True, slots=True)
class KekStatus:
    version: int
    state: str  # active, retired, destroyed
    created_at: str
    destroyed_at: str | None
    wrapped_keys: int


Progress = Callable[[int], None]


def rotate(
    sessions: sessionmaker[Session],
    keyring: RotatingKeyring,
    context: Context,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> RotationResult:
    """`mnvault keys rotate`: an administrator's rotation (or the resumption of one)."""
    with unit_of_work(sessions) as session:
        authorize(session, context, Permission.KEY_ROTATE, organisation_resource(context))
    return run_rotation(
        sessions, keyring, context, reason="manual", batch_size=batch_size, progress=progress
    )


def run_rotation(
    sessions: sessionmaker[Session],
    keyring: RotatingKeyring,
    context: Context,
    *,
    reason: str,
    not_before: datetime | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> RotationResult:
    """Rotate (or resume the open rotation) and finish it. The caller has authorized.

    ``not_before``: a rotation begun before this time is finished and then a new one
    run, because the keys deleted at that time may already have been re-wrapped under
    the open rotation's new version, which that rotation would not destroy."""
    rotation_id, resumed = _begin(sessions, keyring, context, reason)
    result = _finish(
        sessions,
        keyring,
        context,
        rotation_id,
        resumed=resumed,
        batch_size=batch_size,
        progress=progress,
    )
    if not_before is not None and result.started_at < not_before:
        rotation_id, _ = _begin(sessions, keyring, context, reason)
        result = _finish(
            sessions,
            keyring,
            context,
            rotation_id,
            resumed=False,
            batch_size=batch_size,
            progress=progress,
        )
    return result


def _begin(
    sessions: sessionmaker[Session], keyring: RotatingKeyring, context: Context, reason: str
) -> tuple[uuid.UUID, bool]:
    with unit_of_work(sessions) as session:
        open_ = session.scalar(
            select(KekRotation)
            .where(KekRotation.state == RotationState.REWRAPPING)
            .order_by(KekRotation.started_at.desc())
        )
        if open_ is not None:
            audit.record(
                session,
                context,
                AuditAction.KEY_ROTATE,
                details={"rotation_id": str(open_.id), "resumed": True},
            )
            return open_.id, True
        # The keyring file changes first: if this transaction then fails, the new version
        # merely exists unused, and the next rotation re-wraps past it.
        version = keyring.rotate()
        rotation = KekRotation(
            to_version=version,
            state=RotationState.REWRAPPING,
            reason=reason[:200],
            started_by=context.actor_id,
        )
        session.add(rotation)
        session.flush()
        audit.record(
            session,
            context,
            AuditAction.KEY_ROTATE,
            details={"rotation_id": str(rotation.id), "to_version": version, "reason": reason},
        )
        return rotation.id, False


def _finish(
    sessions: sessionmaker[Session],
    keyring: RotatingKeyring,
    context: Context,
    rotation_id: uuid.UUID,
    *,
    resumed: bool,
    batch_size: int,
    progress: Progress | None,
) -> RotationResult:
    envelope = Envelope(keyring)
    current = keyring.current_kek_version
    current_index = keyring.current_index_version
    with sessions() as session:
        started_at = session.get_one(KekRotation, rotation_id).started_at
    for _ in range(MAX_PASSES):
        _rewrap_pass(
            sessions, envelope, rotation_id, (current, current_index),
            batch_size=batch_size, progress=progress,
        )  # fmt: skip
        # The keys are counted only once every process follows the new version; the
        # first pass re-wraps during that wait instead of after it, and a key a slow
        # process wrapped under the old version meanwhile is found by the count.
        waited = (utcnow() - started_at).total_seconds()
        if waited < GRACE_SECONDS:
            time.sleep(GRACE_SECONDS - waited)
        with unit_of_work(sessions) as session:
            _rewrap_certificates(session, envelope, current)
            if _count_old(session, current) + _count_old_indexes(session, current_index) == 0:
                break
            session.get_one(KekRotation, rotation_id).cursor = None
    else:
        raise StaleWrapping()
    with unit_of_work(sessions) as session:
        destroyed = _destroy_unused(session, keyring, context, current)
        _destroy_unused_indexes(session, keyring, context, current_index)
        rotation = session.get_one(KekRotation, rotation_id)
        rotation.state = RotationState.DONE
        rotation.to_version = current
        rotation.destroyed_versions = sorted(set(rotation.destroyed_versions) | set(destroyed))
        rotation.finished_at = utcnow()
        audit.record(
            session,
            context,
            AuditAction.KEY_REWRAP,
            details={
                "rotation_id": str(rotation.id),
                "to_version": current,
                "rewrapped": rotation.rewrapped,
                "destroyed_versions": rotation.destroyed_versions,
            },
        )
        return RotationResult(
            rotation.id,
            current,
            rotation.rewrapped,
            list(rotation.destroyed_versions),
            rotation.started_at,
            rotation.finished_at,
            resumed,
        )


def _rewrap_pass(
    sessions: sessionmaker[Session],
    envelope: Envelope,
    rotation_id: uuid.UUID,
    currents: tuple[int, int],
    *,
    batch_size: int,
    progress: Progress | None,
) -> None:
    """Walk the data keys in person-id order from the cursor, one batch per transaction:
    re-wrap each key and re-index the person's number (if held) under the current
    versions. The number is opened only in memory to compute its new index."""
    current, current_index = currents
    while True:
        with unit_of_work(sessions) as session:
            rotation = session.get_one(KekRotation, rotation_id)
            query = (
                select(
                    DataKey.person_id,
                    DataKey.kek_version,
                    DataKey.wrapped_key,
                    Person.organisation_id,
                    NumberRecord.index_version,
                    NumberRecord.ciphertext,
                )
                .join(Person, Person.id == DataKey.person_id)
                .outerjoin(NumberRecord, NumberRecord.person_id == DataKey.person_id)
                .order_by(DataKey.person_id)
                .limit(batch_size)
            )
            if rotation.cursor is not None:
                query = query.where(DataKey.person_id > rotation.cursor)
            rows = session.execute(query).all()
            if not rows:
                return
            as_uuid = Adapt(session, _DATA_KEYS).uuid()
            changes, reindexed = [], []
            for person_id, version, blob, organisation_id, index_version, ciphertext in rows:
                stale_index = index_version is not None and index_version != current_index
                if version == current and not stale_index:
                    continue
                org, pid = organisation_id.hex, person_id.hex
                dek = envelope.open_data_key(org, pid, WrappedKey(version, blob))
                if version != current:
                    wrapped = envelope.wrap_data_key(org, pid, dek)
                    changes.append((current, wrapped.blob, as_uuid(person_id)))
                if stale_index:
                    number = envelope.open_field(dek, org, pid, MY_NUMBER_FIELD, ciphertext)
                    index = envelope.blind_index(org, number.decode("ascii"), current_index)
                    reindexed.append((index, current_index, as_uuid(person_id)))
            update_rows(session, _DATA_KEYS, "person_id", ("kek_version", "wrapped_key"), changes)
            update_rows(session, _NUMBERS, "person_id", ("blind_index", "index_version"), reindexed)
            rotation.cursor = rows[-1][0]
            rotation.rewrapped += len(changes)
            done = rotation.rewrapped
        if progress is not None:
            progress(done)


_DATA_KEYS = cast(Table, DataKey.__table__)
_NUMBERS = cast(Table, NumberRecord.__table__)


def _count_old_indexes(session: Session, current_index: int) -> int:
    return (
        session.scalar(select(func.count()).where(NumberRecord.index_version != current_index)) or 0
    )


def _destroy_unused_indexes(
    session: Session, keyring: RotatingKeyring, context: Context, current_index: int
) -> None:
    """Destroy every old blind-index key no row is indexed under any more."""
    for info in keyring.index_versions():
        if info.state == "destroyed" or info.version == current_index:
            continue
        used = session.scalar(
            select(func.count()).where(NumberRecord.index_version == info.version)
        )
        if used:
            continue
        keyring.destroy_index_version(info.version)
        audit.record(
            session, context, AuditAction.KEY_DESTROY, details={"index_version": info.version}
        )


def _count_old(session: Session, current: int) -> int:
    return sum(_in_use(session, current, version=None).values())


def _in_use(session: Session, current: int, *, version: int | None) -> dict[str, int]:
    """Wrapped keys under ``version`` (None: under any version but ``current``), by the
    kinds packages registered (mnvault.db.wrapped): persons' data keys, contractors'
    certificates, users' TOTP secrets … A kind left out would be destroyed with its KEK
    version: a TOTP secret, say, and with it every second factor."""

    def under(column: Any) -> Any:
        return column != current if version is None else column == version

    return {
        kind.name: session.scalar(
            select(func.count()).where(kind.blob.is_not(None), under(kind.version))
        )
        or 0
        for kind in wrapped_keys()
    }


def _rewrap_certificates(session: Session, envelope: Envelope, current: int) -> None:
    """The few wrapped keys beside the persons' (certificates, TOTP secrets), at once."""
    for kind in wrapped_keys():
        if kind.owner is None:
            continue  # the persons' data keys: in batches (_rewrap_pass)
        for row in session.scalars(
            select(kind.model).where(kind.blob.is_not(None), kind.version != current)
        ):
            blob = getattr(row, kind.blob.key)
            old = WrappedKey(int(getattr(row, kind.version.key)), blob)
            wrapped = envelope.rewrap(*kind.owner(row), old)
            setattr(row, kind.version.key, wrapped.kek_version)
            setattr(row, kind.blob.key, wrapped.blob)
    session.flush()


def _destroy_unused(
    session: Session, keyring: RotatingKeyring, context: Context, current: int
) -> list[int]:
    destroyed = []
    for info in keyring.kek_versions():
        if info.state == "destroyed" or info.version == current:
            continue
        if sum(_in_use(session, current, version=info.version).values()):
            continue
        keyring.destroy_version(info.version)
        destroyed.append(info.version)
        audit.record(session, context, AuditAction.KEY_DESTROY, details={"version": info.version})
    return destroyed


def status(
    session: Session, keyring: RotatingKeyring, context: Context
) -> tuple[list[KekStatus], KekRotation | None]:
    """KEK versions and how many wrapped keys each holds (never key material)."""
    authorize(session, context, Permission.KEY_READ, organisation_resource(context))
    counts: dict[int, int] = {}
    for kind in wrapped_keys():
        for version, count in session.execute(
            select(kind.version, func.count()).where(kind.blob.is_not(None)).group_by(kind.version)
        ):
            counts[int(version or 0)] = counts.get(int(version or 0), 0) + count
    versions = [_status_of(info, counts.get(info.version, 0)) for info in keyring.kek_versions()]
    open_ = session.scalar(
        select(KekRotation)
        .where(KekRotation.state == RotationState.REWRAPPING)
        .order_by(KekRotation.started_at.desc())
    )
    audit.record(session, context, AuditAction.KEY_READ)
    return versions, open_


def _status_of(info: KekInfo, count: int) -> KekStatus:
    return KekStatus(info.version, info.state, info.created_at, info.destroyed_at, count)
