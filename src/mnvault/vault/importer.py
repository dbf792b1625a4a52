"""Streaming CSV import of persons with their numbers (bulk acquisition).

Memory stays flat: rows are read, checked, sealed and written one batch at a time.
Every bad line is reported with its line number and reason and nothing of it is
stored. In ``skip_bad`` mode each batch commits with the job's progress, so a
re-run of an interrupted import resumes after the last committed line; in
``all_or_nothing`` mode the whole file is one transaction.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, decide_many, new_person_resource
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.context import record_refusal
from mnvault.crypto import Envelope
from mnvault.db.base import new_id, utcnow
from mnvault.db.bulk import Adapt, insert_rows, lookup
from mnvault.db.engine import SYNCHRONOUS, SessionFactory
from mnvault.forked import ForkedIterator
from mnvault.orgs.models import Department
from mnvault.vault import acquisition as rules
from mnvault.vault import identity, link_check
from mnvault.vault.csvfile import (
    REQUIRED,
    BadField,
    Encoding,
    FileFacts,
    LineError,
    MalformedCsv,
    examine,
    line_fault,
    open_text,
    parse_date,
    parse_time,
    read_header,
    records,
)
from mnvault.vault.errors import DuplicateNumber, ImportsRateLimited, InvalidInput, VaultError
from mnvault.vault.models import (
    DataKey,
    IdentityCheckDocument,
    ImportJob,
    ImportState,
    NumberCheckDocument,
    NumberRecord,
    NumberRecordAffair,
    Person,
    PersonKind,
)

_PERSON_KINDS = frozenset(k.value for k in PersonKind)
_NUMBER_DOCS = frozenset(d.value for d in NumberCheckDocument)
_IDENTITY_DOCS = frozenset(d.value for d in IdentityCheckDocument)


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    SKIP_BAD = "skip_bad"


# A skip-bad job in one of these states resumes when its file is imported again.
_RESUMABLE = (ImportState.RUNNING, ImportState.INTERRUPTED, ImportState.FAILED)

# Imports each user may start in an hour (every path: CLI, screens). A person imports a
# few files a day; more is someone probing the import's answers.
IMPORTS_PER_HOUR = 30


@dataclass
class ImportReport:
    job_id: uuid.UUID | None
    mode: ImportMode
    imported: int = 0
    rejected: int = 0
    already_imported: int = 0
    resumed_after_line: int = 0
    committed: bool = False
    first_errors: list[LineError] = field(default_factory=list)
    outside_assignment: int = 0
    # Lines that named a stored person outside the importer's scope: (line, person).
    refused_outside: list[tuple[int, uuid.UUID]] = field(default_factory=list)
    encoding: str = ""  # the label of the encoding the file was read in


class _Row(NamedTuple):
    """A checked line, its number already sealed: no plain number outlives prepare().

    The reader process builds the database rows themselves (values already in the
    driver's format), so the writer only checks duplicates and inserts. A NamedTuple
    of tuples because batches cross between processes: tuples pickle cheaply.
    """

    line: int
    person_id: Any  # in the driver's format (16 bytes on SQLite)
    external_ref: str
    blind_index: bytes
    # The number's index under the other held index key versions (a re-index after a
    # rotation may be half done): duplicates are looked for under each.
    other_indexes: tuple[bytes, ...]
    related_ref: str
    person: tuple[Any, ...]  # _PERSON_COLUMNS; related_person_id filled in by the writer
    key: tuple[Any, ...]  # _KEY_COLUMNS
    record: tuple[Any, ...]  # _RECORD_COLUMNS


@dataclass(slots=True)
class _Batch:
    last_line: int
    rows: list[_Row] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    position: int = 0


class _Importer:
    """Checks and seals rows (producer side) and writes batches (writer side)."""

    def __init__(
        self, envelope: Envelope, context: Context, affair_codes: Sequence[str], mode: ImportMode
    ) -> None:
        self.envelope = envelope
        self.context = context
        self.org = context.organisation_id
        self.org_hex = context.organisation_id.hex
        self.affair_codes = list(affair_codes)
        self.mode = mode
        self.affairs: list[Affair] = []
        self.departments: dict[str, uuid.UUID] = {}
        self.admitted: frozenset[tuple[str, str]] = frozenset()
        self.now = utcnow()
        self.formats: _Formats | None = None
        # Index key versions, current first, fixed for the run (see _prepare): a
        # rotation begun meanwhile re-indexes what this run wrote under the old one.
        self.index_versions: list[int] = []
        self.facts: FileFacts | None = None

    # -- producer: per line checks and sealing ----------------------------------------

    def prepare(self, line: int, fields: list[str], positions: dict[str, int]) -> _Row:
        """Check one line and seal its number; raises BadField with the reason."""
        if len(fields) != len(positions):
            raise BadField(
                f"列数が見出しと違います（{len(fields)}列、見出しは{len(positions)}列）",
                f"{len(fields)} fields where the header has {len(positions)}",
            )
        values = {column: fields[index].strip() for column, index in positions.items()}
        get = values.get
        for column in REQUIRED:
            if not values[column]:
                raise BadField(f"{column} が空です", f"{column} is empty")
        kind = values["kind"]
        if kind not in _PERSON_KINDS:
            raise BadField(f"対象者の種別 {kind!r} は不明です", f"unknown person kind {kind!r}")
        try:
            rules.check_person_text(values["external_ref"], values["name"])
            rules.admit_kind(self.affairs, kind)
            number = rules.parse_number(values["my_number"])
        except VaultError as refused:
            raise BadField(*rules.reasons(refused)) from None
        verified_at = get("verified_at", "")
        verified_time = parse_time(verified_at) if verified_at else self.now
        try:
            check = rules.admit_verification(
                _verification(values), kind, verified_time, earlier_verified=False
            )
        except VaultError as refused:
            raise BadField(*rules.reasons(refused)) from None
        number_doc, identity_doc = check.columns()
        department = get("department_code", "")
        if department and department not in self.departments:
            raise BadField(
                f"部署コード {department!r} は不明です", f"unknown department {department!r}"
            )
        if (kind, department) not in self.admitted:
            raise BadField(
                f"担当の範囲外の対象者です（{kind}、部署 {department or 'なし'}）",
                f"{_OUTSIDE_EN} ({kind}, department {department or 'none'})",
            )
        start, end = get("relationship_start", ""), get("relationship_end", "")
        fmt = self.formats
        assert fmt is not None  # noqa: S101 - set by _prepare before any line is read
        person = new_id()
        person_hex = person.hex
        person_id = fmt.uuid(person)
        dek, wrapped = self.envelope.new_data_key(self.org_hex, person_hex)
        index_version, *others = self.index_versions
        sealed = rules.seal_number(
            self.envelope, self.org_hex, person_hex, dek, number, index_version=index_version
        )
        blind_index = sealed.blind_index
        other_indexes = tuple(self.envelope.blind_index(self.org_hex, number, v) for v in others)
        start_date = parse_date(start, "relationship_start") if start else None
        end_date = parse_date(end, "relationship_end") if end else None
        verified = fmt.time(verified_time) if verified_at else fmt.now
        external_ref = values["external_ref"]
        return _Row(
            line,
            person_id,
            external_ref,
            blind_index,
            other_indexes,
            get("related_external_ref", ""),
            (
                person_id, fmt.org, kind, external_ref, values["name"],
                fmt.uuid(self.departments.get(department)) if department else None,
                None, "living", fmt.date(start_date), fmt.date(end_date), fmt.now,
            ),
            (person_id, wrapped.kek_version, wrapped.blob),
            (
                person_id, fmt.org, sealed.ciphertext, blind_index, index_version, number_doc,
                identity_doc, check.to_json(), fmt.actor, verified, fmt.actor, fmt.now,
            ),
        )  # fmt: skip

    # -- writer: per batch --------------------------------------------------------------

    def write_batch(self, session: Session, batch: _Batch, report: ImportReport) -> list[LineError]:
        """Check the batch against the database and itself, then insert the good rows."""
        errors: list[LineError] = []
        rows = batch.rows
        refs = [row.external_ref for row in rows]
        persons, records = Person.__table__, NumberRecord.__table__
        org = ("organisation_id", self.org)
        known_refs = lookup(session, persons, key="external_ref", value="id", where=org, keys=refs)  # type: ignore[arg-type]
        held = lookup(
            session, records, key="blind_index", value="person_id", where=org,  # type: ignore[arg-type]
            keys=[index for row in rows for index in (row.blind_index, *row.other_indexes)],
        )  # fmt: skip
        related_refs = list({row.related_ref for row in rows if row.related_ref} - set(refs))
        related = lookup(
            session, persons, key="external_ref", value="id", where=org, keys=related_refs  # type: ignore[arg-type]
        )  # fmt: skip
        outside = self.outside(session, {*known_refs.values(), *held.values()})
        good: list[_Row] = []
        batch_refs: dict[str, uuid.UUID | bytes] = {}
        batch_indexes: set[bytes] = set()
        for row in rows:
            known = known_refs.get(row.external_ref)
            holders = {held.get(i) for i in (row.blind_index, *row.other_indexes)} - {None}
            # One holder at most (an index version's rows are unique); the known person
            # first, so a resumed run recognises its own rows under either version.
            holder = known if known in holders else next(iter(holders), None)
            stranger = known if known in outside else holder if holder in outside else None
            if stranger is not None:
                # A stored person the importer may not see: never say whether the number
                # is theirs ("already imported") or held at all beyond what acquire says;
                # the answer is the one a different number gets, and the refusal is audited.
                report.refused_outside.append((row.line, _as_uuid(stranger)))
            if known is not None:
                if holder == known and known not in outside:
                    report.already_imported += 1  # landed in an earlier, interrupted run
                    continue
                errors.append(_line_error(row.line, *_EXISTS(row.external_ref)))
                continue
            try:
                rules.refuse_duplicate(holder, row.person_id)
                if row.blind_index in batch_indexes:
                    raise DuplicateNumber()
            except VaultError as refused:
                errors.append(_line_error(row.line, *rules.reasons(refused)))
                continue
            if row.external_ref in batch_refs:
                errors.append(_line_error(row.line, *_REPEATS(row.external_ref)))
            elif (
                row.related_ref
                and row.related_ref not in related
                and row.related_ref not in batch_refs
            ):
                errors.append(_line_error(row.line, *_NO_RELATED(row.related_ref)))
            else:
                batch_refs[row.external_ref] = row.person_id
                batch_indexes.add(row.blind_index)
                good.append(row)
        if good:
            self.insert(session, good, {**related, **batch_refs})
        report.imported += len(good)
        return errors

    def outside(self, session: Session, person_ids: set[Any]) -> frozenset[Any]:
        """Those of these stored persons (ids in the driver's format) whose kind and
        department lie outside what the importer may acquire for."""
        if not person_ids:
            return frozenset()
        persons, org, keys = Person.__table__, ("organisation_id", self.org), list(person_ids)
        kinds = lookup(session, persons, key="id", value="kind", where=org, keys=keys)  # type: ignore[arg-type]
        places = lookup(session, persons, key="id", value="department_id", where=org, keys=keys)  # type: ignore[arg-type]
        fmt = self.formats
        assert fmt is not None  # noqa: S101 - set by _prepare
        codes = {fmt.uuid(i): code for code, i in self.departments.items()}
        return frozenset(
            pid
            for pid in keys
            if (kinds.get(pid), codes.get(places.get(pid), "")) not in self.admitted
        )

    def insert(
        self, session: Session, rows: list[_Row], refs: dict[str, uuid.UUID | bytes]
    ) -> None:
        fmt = self.formats
        assert fmt is not None  # noqa: S101 - set by _prepare
        persons = [
            (*row.person[:6], fmt.uuid(refs[row.related_ref]), *row.person[7:])
            if row.related_ref
            else row.person
            for row in rows
        ]
        affair_ids = [fmt.uuid(a.id) for a in self.affairs]
        links = [(row.person_id, affair) for row in rows for affair in affair_ids]
        # Dependents point at employees of the same batch, so persons go in as listed.
        insert_rows(session, Person.__table__, _PERSON_COLUMNS, persons)  # type: ignore[arg-type]
        insert_rows(session, DataKey.__table__, _KEY_COLUMNS, [r.key for r in rows])  # type: ignore[arg-type]
        insert_rows(session, NumberRecord.__table__, _RECORD_COLUMNS, [r.record for r in rows])  # type: ignore[arg-type]
        link_check.mark_imported(session, self.org, [row.person_id for row in rows])
        insert_rows(session, NumberRecordAffair.__table__, _LINK_COLUMNS, links)  # type: ignore[arg-type]
        audit.record_many(
            session,
            self.context,
            AuditAction.NUMBER_ACQUIRE,
            (row.person_id for row in rows),
            details={"affairs": sorted(self.affair_codes), "via": "import"},
        )


@dataclass(frozen=True)
class _Formats:
    """Converters to the driver's formats, made once in the writer before the reader forks."""

    uuid: Callable[[Any], Any]
    date: Callable[[Any], Any]
    time: Callable[[Any], Any]
    org: Any
    actor: Any
    now: Any

    @classmethod
    def of(cls, session: Session, importer: _Importer) -> _Formats:
        adapt = Adapt(session, Person.__table__)  # type: ignore[arg-type]
        as_uuid = adapt.uuid()
        return cls(
            uuid=as_uuid,
            date=adapt.date(),
            time=Adapt(session, NumberRecord.__table__).time("verified_at"),  # type: ignore[arg-type]
            org=as_uuid(importer.org),
            actor=as_uuid(importer.context.actor_id),
            now=adapt.constant("created_at", importer.now),
        )


_PERSON_COLUMNS = (
    "id", "organisation_id", "kind", "external_ref", "name", "department_id",
    "related_person_id", "life_status", "relationship_start", "relationship_end", "created_at",
)  # fmt: skip
_KEY_COLUMNS = ("person_id", "kek_version", "wrapped_key")
_RECORD_COLUMNS = (
    "person_id", "organisation_id", "ciphertext", "blind_index", "index_version",
    "number_check_document", "identity_check_document", "verification", "verified_by",
    "verified_at",
    "acquired_by", "acquired_at",
)  # fmt: skip
_LINK_COLUMNS = ("person_id", "affair_id")


def _verification(values: dict[str, str]) -> identity.Verification:
    """A line's 本人確認: the reason none is owed, the list form, or (files made before
    issue #13) the two columns number_check_document and identity_check_document."""
    exemption = values.get("verification_exemption", "")
    note = values.get("document_note", "")
    if exemption:
        try:
            return identity.Verification(exemption=identity.Exemption(exemption))
        except ValueError:
            raise InvalidInput(
                "確認不要の理由が不明です", "unknown verification_exemption"
            ) from None
    if values.get("documents", ""):
        return identity.Verification(identity.parse_documents(values["documents"], note))
    number = values.get("number_check_document", "")
    ident = values.get("identity_check_document", "")
    if number not in _NUMBER_DOCS:
        raise InvalidInput("番号確認書類の種別が不明です", "unknown number_check_document")
    if ident not in _IDENTITY_DOCS:
        raise InvalidInput("身元確認書類の種別が不明です", "unknown identity_check_document")
    return identity.from_legacy(number, ident, note)


def _line_error(line: int, ja: str, en: str) -> LineError:
    return LineError(line, ja, en)


_OUTSIDE_EN = "outside your assignment"
_BAD_LINES = ("不正な行があるため何も取り込んでいません", "nothing stored: some lines are bad")


def _as_uuid(value: uuid.UUID | bytes) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=value)


def _EXISTS(ref: str) -> tuple[str, str]:  # noqa: N802 - reads as the message it builds
    return f"社員番号等 {ref} は既に登録済みです", f"external id {ref} already exists"


def _REPEATS(ref: str) -> tuple[str, str]:  # noqa: N802
    return (
        f"社員番号等 {ref} がファイル内で重複しています",
        f"external id {ref} repeats in the file",
    )


def _NO_RELATED(ref: str) -> tuple[str, str]:  # noqa: N802
    return f"関係者 {ref} が見つかりません", f"related person {ref} not found"


def import_persons(
    factory: SessionFactory,
    envelope: Envelope,
    context: Context,
    *,
    path: Path,
    affair_codes: Sequence[str],
    mode: ImportMode = ImportMode.SKIP_BAD,
    encoding: Encoding = Encoding.AUTO,
    batch_size: int = 5000,
    on_error: Callable[[LineError], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    keep_errors: int = 100,
    reader_process: bool = True,
) -> ImportReport:
    """Import a CSV file (layout in README "CSV import"); see the module docstring.

    The job ends done or failed (with its reason), or interrupted by Ctrl-C; a skip-bad
    job that did not end done resumes when the same file is imported again.

    ``reader_process=False`` reads in this process: for callers with threads (the web
    server), where forking is unsafe."""
    report = ImportReport(job_id=None, mode=mode)

    def error(err: LineError) -> None:
        report.rejected += 1
        if err.reason_en.startswith(_OUTSIDE_EN):
            report.outside_assignment += 1
        if len(report.first_errors) < keep_errors:
            report.first_errors.append(err)
        if on_error:
            on_error(err)

    affair_codes = rules.affair_codes(affair_codes)
    importer = _Importer(envelope, context, affair_codes, mode)
    facts = importer.facts = examine(path, encoding)
    report.encoding = facts.label
    session = factory()
    job_id: uuid.UUID | None = None  # kept apart: a rollback expires the job object
    try:
        _prepare(session, importer, context, affair_codes)
        job = _find_or_start_job(
            session, context, digest=facts.sha256, affair_codes=affair_codes, mode=mode,
            report=report,
        )  # fmt: skip
        report.job_id = job_id = job.id
        # The job is committed on its own, before any person: whatever happens to the
        # import, it is there to be ended (failed, interrupted) or resumed.
        session.commit()
        _run(
            session, importer, path=path, facts=facts, job=job, report=report,
            batch_size=batch_size, error=error, on_progress=on_progress, fork=reader_process,
        )  # fmt: skip
        if mode is ImportMode.ALL_OR_NOTHING and report.rejected:
            session.rollback()
            _end_job(factory, context, report, job_id, state=ImportState.FAILED, reason=_BAD_LINES)
            return report
        _record_scope_denial(session, context, report)
        job.state = ImportState.DONE
        job.finished_at = utcnow()
        audit.record(
            session,
            context,
            AuditAction.IMPORT_FINISH,
            details={
                "job_id": str(job.id),
                "imported": report.imported,
                "rejected": report.rejected,
                "already_imported": report.already_imported,
            },
        )
        session.commit()
        report.committed = True
        return report
    except AuthorizationDenied as denied:
        # This function runs its own transactions, outside unit_of_work: record the
        # refusal the way unit_of_work does (DESIGN.md invariant 2).
        record_refusal(session, denied)
        raise
    except BaseException as exc:
        session.rollback()
        if job_id is not None:
            state, reason = _ending(exc)
            _end_job(factory, context, report, job_id, state=state, reason=reason)
        raise
    finally:
        session.close()


def _ending(exc: BaseException) -> tuple[ImportState, tuple[str, str]]:
    """How a job that raised ends, and why, in words that carry no number."""
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        return ImportState.INTERRUPTED, ("中断されました", "interrupted")
    if isinstance(exc, VaultError):
        return ImportState.FAILED, rules.reasons(exc)
    return ImportState.FAILED, (
        f"内部エラーで失敗しました（{type(exc).__name__}）",
        f"failed on an internal error ({type(exc).__name__})",
    )


def check_import_rate(session: Session, context: Context) -> None:
    """At most IMPORTS_PER_HOUR imports per user, counted from the jobs they started, so
    that every path (and every process) shares one count, as the lookup's limit does."""
    since = utcnow() - timedelta(hours=1)
    started = session.scalar(
        select(func.count())
        .select_from(ImportJob)
        .where(
            ImportJob.organisation_id == context.organisation_id,
            ImportJob.started_by == context.actor_id,
            ImportJob.started_at > since,
        )
    )
    if (started or 0) >= IMPORTS_PER_HOUR:
        raise ImportsRateLimited(f"1時間に{IMPORTS_PER_HOUR}件", f"{IMPORTS_PER_HOUR} an hour")


def _prepare(
    session: Session, importer: _Importer, context: Context, affair_codes: Sequence[str]
) -> None:
    authorize(session, context, Permission.PERSON_CREATE)
    for code in affair_codes:
        authorize(session, context.for_affair(code), Permission.NUMBER_ACQUIRE)
    importer.affairs = rules.resolve_affairs(session, context, affair_codes)
    importer.formats = _Formats.of(session, importer)
    importer.index_versions = importer.envelope.live_index_versions()
    importer.departments = dict(
        session.execute(
            select(Department.code, Department.id).where(
                Department.organisation_id == context.organisation_id
            )
        ).all()
    )
    importer.admitted = _admitted(session, context, affair_codes, importer.departments)


def _admitted(
    session: Session,
    context: Context,
    affair_codes: Sequence[str],
    departments: dict[str, uuid.UUID],
) -> frozenset[tuple[str, str]]:
    """The (person kind, department code) pairs this actor may create and acquire for.

    Asked of the policy once per pair, here, rather than once per line: a line is then
    admitted by a set lookup, and the reader process needs no database. "" stands for
    no department.
    """
    pairs = [(kind.value, code) for kind in PersonKind for code in ("", *departments)]
    refs = [
        new_person_resource(context, kind=kind, department_id=departments.get(code))
        for kind, code in pairs
    ]
    allowed = [d.allowed for d in decide_many(session, context, Permission.PERSON_CREATE, refs)]
    for code in affair_codes:
        acquiring = [replace(ref, acquiring=tuple(affair_codes)) for ref in refs]
        decisions = decide_many(
            session, context.for_affair(code), Permission.NUMBER_ACQUIRE, acquiring
        )
        allowed = [a and d.allowed for a, d in zip(allowed, decisions, strict=True)]
    return frozenset(pair for pair, ok in zip(pairs, allowed, strict=True) if ok)


def _find_or_start_job(
    session: Session,
    context: Context,
    *,
    digest: str,
    affair_codes: Sequence[str],
    mode: ImportMode,
    report: ImportReport,
) -> ImportJob:
    codes = sorted(affair_codes)
    if mode is ImportMode.SKIP_BAD:
        for job in session.scalars(
            select(ImportJob).where(
                ImportJob.organisation_id == context.organisation_id,
                ImportJob.file_sha256 == digest,
                ImportJob.state.in_(_RESUMABLE),
                ImportJob.mode == mode.value,
            )
        ):
            if sorted(job.affair_codes) == codes:
                job.state = ImportState.RUNNING
                job.finished_at = None
                report.resumed_after_line = job.committed_line
                audit.record(
                    session,
                    context,
                    AuditAction.IMPORT_START,
                    details={"job_id": str(job.id), "resumed_after_line": job.committed_line},
                )
                return job
    check_import_rate(session, context)
    job = ImportJob(
        organisation_id=context.organisation_id,
        file_sha256=digest,
        affair_codes=codes,
        mode=mode.value,
        state=ImportState.RUNNING,
        committed_line=1,
        started_by=context.actor_id,
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.IMPORT_START,
        details={"job_id": str(job.id), "mode": mode.value, "affairs": codes},
    )
    return job


def _produce(
    importer: _Importer,
    path: Path,
    positions: dict[str, int],
    skip_through: int,
    batch_size: int,
) -> Iterator[_Batch]:
    """Read, check and seal the file in batches (CPU work only, no database)."""
    facts = importer.facts
    assert facts is not None  # noqa: S101 - set by import_persons
    check_bytes = not facts.clean
    with open_text(path, facts) as handle:
        lines = records(handle)
        header_line, _ = next(lines)
        batch = _Batch(last_line=header_line)
        while True:
            try:
                line, fields = next(lines)
            except StopIteration:
                break
            except MalformedCsv as bad:
                batch.errors.append(
                    LineError(bad.line, "CSVの形式が不正です", f"malformed CSV: {bad.detail}")
                )
                break
            batch.last_line = line
            if line <= skip_through or not any(fields):
                continue
            try:
                fault = line_fault(fields, facts) if check_bytes else None
                if fault is not None:
                    raise fault
                batch.rows.append(importer.prepare(line, fields, positions))
            except BadField as bad:
                batch.errors.append(LineError(line, bad.reason_ja, bad.reason_en))
            if len(batch.rows) >= batch_size:
                batch.position = handle.buffer.raw.tell()  # type: ignore[attr-defined]
                yield batch
                batch = _Batch(last_line=batch.last_line)
        batch.position = handle.buffer.raw.tell()  # type: ignore[attr-defined]
        yield batch


@contextlib.contextmanager
def _relaxed_durability(session: Session, importer: _Importer) -> Iterator[None]:
    """On SQLite, skip the fsync of each batch's commit (WAL stays crash-safe).

    Safe for a resumable import: a batch and the job's progress commit together, so a
    power cut loses at most the last batches *and* their progress, and the re-run
    imports them again. The import's final commit is synced as every other commit is.
    """
    info = session.connection().info
    relax = session.get_bind().dialect.name == "sqlite" and importer.mode is ImportMode.SKIP_BAD
    if relax:
        info[SYNCHRONOUS] = "NORMAL"  # from the next batch's transaction on
    try:
        yield
    finally:
        if relax:
            info[SYNCHRONOUS] = "FULL"


def _run(
    session: Session,
    importer: _Importer,
    *,
    path: Path,
    facts: FileFacts,
    job: ImportJob,
    report: ImportReport,
    batch_size: int,
    error: Callable[[LineError], None],
    on_progress: Callable[[int], None] | None,
    fork: bool,
) -> None:
    _header_line, positions = read_header(path, error, facts)
    if not positions:
        return
    base_imported, base_rejected = job.imported, job.rejected
    with (
        _relaxed_durability(session, importer),
        ForkedIterator(
            _produce,
            importer,
            path,
            positions,
            job.committed_line,
            batch_size,
            name="mnvault-import-reader",
            fork=fork,
        ) as batches,
    ):
        for batch in batches:
            found = importer.write_batch(session, batch, report) if batch.rows else []
            for err in sorted([*batch.errors, *found], key=lambda e: e.line):
                error(err)
            job.committed_line = batch.last_line
            job.imported = base_imported + report.imported
            job.rejected = base_rejected + report.rejected
            # All-or-nothing keeps writing after a bad line, inside the transaction that
            # will be rolled back, so that duplicates across batches are still reported.
            if importer.mode is ImportMode.SKIP_BAD:
                session.commit()
            if on_progress:
                on_progress(batch.position)


def _record_scope_denial(session: Session, context: Context, report: ImportReport) -> None:
    """Lines outside the importer's assignments were refused by the policy: one denial
    entry says how many (DESIGN.md invariant 2), beside the line errors; a line that
    named a stored person outside them is a denial of its own, with that person."""
    if report.outside_assignment:
        audit.record(
            session,
            context,
            AuditAction.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            details={
                "permission": str(Permission.NUMBER_ACQUIRE),
                "reason": "outside the assignment",
                "lines": report.outside_assignment,
            },
        )
    for line, person_id in report.refused_outside:
        audit.record(
            session,
            context,
            AuditAction.ACCESS_DENIED,
            outcome=Outcome.DENIED,
            person_id=person_id,
            details={
                "permission": str(Permission.NUMBER_ACQUIRE),
                "reason": "import line names a person outside the assignment",
                "line": line,
            },
        )


def _end_job(
    factory: SessionFactory,
    context: Context,
    report: ImportReport,
    job_id: uuid.UUID,
    *,
    state: ImportState,
    reason: tuple[str, str],
) -> None:
    """End a job that did not finish (its work rolled back), in a transaction of its own."""
    session = factory()
    try:
        job = session.get(ImportJob, job_id)
        if job is not None:
            job.state = state
            job.finished_at = utcnow()
            job.details = {**(job.details or {}), "reason_ja": reason[0], "reason_en": reason[1]}
        _record_scope_denial(session, context, report)
        audit.record(
            session,
            context,
            AuditAction.IMPORT_FINISH,
            outcome=Outcome.FAILED,
            details={
                "job_id": str(job_id),
                "state": state.value,
                "reason": reason[1],
                "imported": report.imported if report.mode is ImportMode.SKIP_BAD else 0,
                "rejected": report.rejected,
                "mode": report.mode.value,
                "nothing_stored": report.mode is ImportMode.ALL_OR_NOTHING,
            },
        )
        session.commit()
    finally:
        session.close()
