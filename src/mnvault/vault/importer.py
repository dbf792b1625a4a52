"""Streaming CSV import of persons with their numbers (bulk acquisition).

Memory stays flat: rows are read, checked, sealed and written one batch at a time.
Every bad line is reported with its line number and reason and nothing of it is
stored. In ``skip_bad`` mode each batch commits with the job's progress, so a
re-run of an interrupted import resumes after the last committed line; in
``all_or_nothing`` mode the whole file is one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from mnvault import numbers
from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.models import Affair
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.crypto import Envelope
from mnvault.db.base import new_id, utcnow
from mnvault.db.engine import SessionFactory
from mnvault.orgs.models import Department
from mnvault.vault.models import (
    DataKey,
    IdentityCheckDocument,
    ImportJob,
    NumberCheckDocument,
    NumberRecord,
    NumberRecordAffair,
    Person,
    PersonKind,
)
from mnvault.vault.services import MY_NUMBER_FIELD

COLUMNS = (
    "external_ref",
    "kind",
    "name",
    "my_number",
    "number_check_document",
    "identity_check_document",
    "verified_at",
    "department_code",
    "related_external_ref",
    "relationship_start",
    "relationship_end",
)
REQUIRED = (
    "external_ref",
    "kind",
    "name",
    "my_number",
    "number_check_document",
    "identity_check_document",
)

_PERSON_KINDS = frozenset(k.value for k in PersonKind)
_NUMBER_DOCS = frozenset(d.value for d in NumberCheckDocument)
_IDENTITY_DOCS = frozenset(d.value for d in IdentityCheckDocument)


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    SKIP_BAD = "skip_bad"


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason_ja} / {self.reason_en}"


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


class _Bad(Exception):
    def __init__(self, reason_ja: str, reason_en: str) -> None:
        self.reason_ja = reason_ja
        self.reason_en = reason_en


@dataclass(slots=True)
class _Row:
    line: int
    person_id: uuid.UUID
    external_ref: str
    kind: str
    name: str
    number: str
    blind_index: bytes
    number_doc: str
    identity_doc: str
    verified_at: datetime
    department_code: str
    related_ref: str
    start: date | None
    end: date | None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _records(handle: io.TextIOWrapper) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, fields); quoted newlines are fine."""
    reader = csv.reader(handle, strict=True)
    previous_end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _MalformedCsv(previous_end + 1, str(exc)) from None
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, fields


class _MalformedCsv(Exception):
    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail


def _parse_date(text: str, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad(
            f"{column} の日付が不正です（YYYY-MM-DD）", f"bad {column} date (YYYY-MM-DD)"
        ) from None


def _parse_time(text: str, default: datetime) -> datetime:
    if not text:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad("verified_at の日時が不正です", "bad verified_at timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Importer:
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
        self.now = utcnow()

    # -- per line checks --------------------------------------------------------------

    def check(self, line: int, fields: list[str], positions: dict[str, int]) -> _Row:
        def get(column: str) -> str:
            index = positions.get(column)
            return fields[index].strip() if index is not None and index < len(fields) else ""

        if len(fields) != len(positions):
            raise _Bad(
                f"列数が見出しと違います（{len(fields)}列、見出しは{len(positions)}列）",
                f"{len(fields)} fields where the header has {len(positions)}",
            )
        for column in REQUIRED:
            if not get(column):
                raise _Bad(f"{column} が空です", f"{column} is empty")
        kind = get("kind")
        if kind not in _PERSON_KINDS:
            raise _Bad(f"本人の種別 {kind!r} は不明です", f"unknown person kind {kind!r}")
        for affair in self.affairs:
            if kind not in affair.person_kinds:
                raise _Bad(
                    f"事務 {affair.code} は種別 {kind} に適用できません",
                    f"affair {affair.code} does not apply to {kind}",
                )
        try:
            number = numbers.parse_my_number(get("my_number"))
        except numbers.InvalidNumber as exc:
            raise _Bad(f"個人番号: {exc.message_ja}", f"my_number: {exc.message_en}") from None
        number_doc = get("number_check_document")
        if number_doc not in _NUMBER_DOCS:
            raise _Bad("番号確認書類の種別が不明です", "unknown number_check_document")
        identity_doc = get("identity_check_document")
        if identity_doc not in _IDENTITY_DOCS:
            raise _Bad("身元確認書類の種別が不明です", "unknown identity_check_document")
        department = get("department_code")
        if department and department not in self.departments:
            raise _Bad(
                f"部署コード {department!r} は不明です", f"unknown department {department!r}"
            )
        return _Row(
            line=line,
            person_id=new_id(),
            external_ref=get("external_ref"),
            kind=kind,
            name=get("name"),
            number=number,
            blind_index=self.envelope.blind_index(self.org_hex, number),
            number_doc=number_doc,
            identity_doc=identity_doc,
            verified_at=_parse_time(get("verified_at"), self.now),
            department_code=department,
            related_ref=get("related_external_ref"),
            start=_parse_date(get("relationship_start"), "relationship_start"),
            end=_parse_date(get("relationship_end"), "relationship_end"),
        )

    # -- per batch ----------------------------------------------------------------------

    def write_batch(
        self, session: Session, batch: list[_Row], report: ImportReport
    ) -> list[LineError]:
        """Check the batch against the database and itself, then insert the good rows."""
        errors: list[LineError] = []
        refs = [row.external_ref for row in batch]
        indexes = [row.blind_index for row in batch]
        known_refs = dict(
            session.execute(
                select(Person.external_ref, Person.id).where(
                    Person.organisation_id == self.org, Person.external_ref.in_(refs)
                )
            ).all()
        )
        held = dict(
            session.execute(
                select(NumberRecord.blind_index, NumberRecord.person_id).where(
                    NumberRecord.organisation_id == self.org,
                    NumberRecord.blind_index.in_(indexes),
                )
            ).all()
        )
        related_refs = {row.related_ref for row in batch if row.related_ref} - set(refs)
        related = (
            dict(
                session.execute(
                    select(Person.external_ref, Person.id).where(
                        Person.organisation_id == self.org, Person.external_ref.in_(related_refs)
                    )
                ).all()
            )
            if related_refs
            else {}
        )
        good: list[_Row] = []
        batch_refs: dict[str, uuid.UUID] = {}
        batch_indexes: set[bytes] = set()
        for row in batch:
            known = known_refs.get(row.external_ref)
            if known is not None:
                if held.get(row.blind_index) == known:
                    report.already_imported += 1  # landed in an earlier, interrupted run
                    continue
                errors.append(
                    LineError(
                        row.line,
                        f"外部参照ID {row.external_ref} は既に登録済みです",
                        f"external id {row.external_ref} already exists",
                    )
                )
                continue
            if row.blind_index in held or row.blind_index in batch_indexes:
                errors.append(
                    LineError(
                        row.line,
                        "この個人番号は既に別の本人に登録されています",
                        "duplicate: number already held for another person",
                    )
                )
                continue
            if row.external_ref in batch_refs:
                errors.append(
                    LineError(
                        row.line,
                        f"外部参照ID {row.external_ref} がファイル内で重複しています",
                        f"external id {row.external_ref} repeats in the file",
                    )
                )
                continue
            if (
                row.related_ref
                and row.related_ref not in related
                and row.related_ref not in batch_refs
            ):
                errors.append(
                    LineError(
                        row.line,
                        f"関係者 {row.related_ref} が見つかりません",
                        f"related person {row.related_ref} not found",
                    )
                )
                continue
            batch_refs[row.external_ref] = row.person_id
            batch_indexes.add(row.blind_index)
            good.append(row)
        if good:
            self.insert(session, good, {**related, **batch_refs})
        report.imported += len(good)
        return errors

    def insert(self, session: Session, rows: list[_Row], refs: dict[str, uuid.UUID]) -> None:
        envelope, org, org_hex, actor = self.envelope, self.org, self.org_hex, self.context.actor_id
        persons: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        affair_ids = [a.id for a in self.affairs]
        for row in rows:
            pid = row.person_id
            pid_hex = pid.hex
            dek, wrapped = envelope.new_data_key(org_hex, pid_hex)
            persons.append(
                {
                    "id": pid,
                    "organisation_id": org,
                    "kind": row.kind,
                    "external_ref": row.external_ref,
                    "name": row.name,
                    "department_id": self.departments.get(row.department_code),
                    "related_person_id": refs.get(row.related_ref) if row.related_ref else None,
                    "life_status": "living",
                    "relationship_start": row.start,
                    "relationship_end": row.end,
                    "created_at": self.now,
                }
            )
            keys.append(
                {"person_id": pid, "kek_version": wrapped.kek_version, "wrapped_key": wrapped.blob}
            )
            records.append(
                {
                    "person_id": pid,
                    "organisation_id": org,
                    "ciphertext": envelope.seal_field(
                        dek, org_hex, pid_hex, MY_NUMBER_FIELD, row.number.encode("ascii")
                    ),
                    "blind_index": row.blind_index,
                    "number_check_document": row.number_doc,
                    "identity_check_document": row.identity_doc,
                    "verified_by": actor,
                    "verified_at": row.verified_at,
                    "acquired_by": actor,
                    "acquired_at": self.now,
                }
            )
            links.extend({"person_id": pid, "affair_id": a} for a in affair_ids)
        # Dependents point at employees of the same batch, so persons go in as listed.
        session.execute(insert(Person), persons)
        session.execute(insert(DataKey), keys)
        session.execute(insert(NumberRecord), records)
        session.execute(insert(NumberRecordAffair), links)
        audit.record_many(
            session,
            self.context,
            AuditAction.NUMBER_ACQUIRE,
            (row.person_id for row in rows),
            details={"affairs": sorted(self.affair_codes), "via": "import"},
        )


def import_persons(
    factory: SessionFactory,
    envelope: Envelope,
    context: Context,
    *,
    path: Path,
    affair_codes: Sequence[str],
    mode: ImportMode = ImportMode.SKIP_BAD,
    batch_size: int = 2000,
    on_error: Callable[[LineError], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    keep_errors: int = 100,
) -> ImportReport:
    """Import a CSV file (layout in README "CSV import"); see the module docstring."""
    report = ImportReport(job_id=None, mode=mode)

    def error(err: LineError) -> None:
        report.rejected += 1
        if len(report.first_errors) < keep_errors:
            report.first_errors.append(err)
        if on_error:
            on_error(err)

    importer = _Importer(envelope, context, affair_codes, mode)
    digest = file_sha256(path)
    session = factory()
    try:
        _prepare(session, importer, context, affair_codes)
        job = _find_or_start_job(
            session, context, digest=digest, affair_codes=affair_codes, mode=mode, report=report
        )
        report.job_id = job.id
        if mode is ImportMode.SKIP_BAD:
            session.commit()
        _run(
            session,
            importer,
            path=path,
            job=job,
            report=report,
            batch_size=batch_size,
            error=error,
            on_progress=on_progress,
        )
        job.state = "failed" if (mode is ImportMode.ALL_OR_NOTHING and report.rejected) else "done"
        if job.state == "failed":
            session.rollback()
            _finish_audit(factory, context, report, Outcome.FAILED)
            return report
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
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _prepare(
    session: Session, importer: _Importer, context: Context, affair_codes: Sequence[str]
) -> None:
    from mnvault.vault.errors import InvalidInput  # noqa: PLC0415 - keeps the header short

    if not affair_codes:
        raise InvalidInput(
            "事務を指定してください（--affair）", "name at least one affair (--affair)"
        )
    authorize(session, context, Permission.PERSON_CREATE)
    for code in affair_codes:
        authorize(session, context.for_affair(code), Permission.NUMBER_ACQUIRE)
        importer.affairs.append(get_affair(session, context.organisation_id, code))
    importer.departments = dict(
        session.execute(
            select(Department.code, Department.id).where(
                Department.organisation_id == context.organisation_id
            )
        ).all()
    )


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
                ImportJob.state == "running",
                ImportJob.mode == mode.value,
            )
        ):
            if sorted(job.affair_codes) == codes:
                report.resumed_after_line = job.committed_line
                audit.record(
                    session,
                    context,
                    AuditAction.IMPORT_START,
                    details={"job_id": str(job.id), "resumed_after_line": job.committed_line},
                )
                return job
    job = ImportJob(
        organisation_id=context.organisation_id,
        file_sha256=digest,
        affair_codes=codes,
        mode=mode.value,
        state="running",
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


def _run(
    session: Session,
    importer: _Importer,
    *,
    path: Path,
    job: ImportJob,
    report: ImportReport,
    batch_size: int,
    error: Callable[[LineError], None],
    on_progress: Callable[[int], None] | None,
) -> None:
    skip_through = job.committed_line
    all_or_nothing = importer.mode is ImportMode.ALL_OR_NOTHING
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        records = _records(handle)
        try:
            header_line, header = next(records)
        except StopIteration:
            error(LineError(1, "ファイルが空です", "the file is empty"))
            return
        except _MalformedCsv as bad:
            error(LineError(bad.line, "CSVの形式が不正です", f"malformed CSV: {bad.detail}"))
            return
        positions = {name.strip(): i for i, name in enumerate(header)}
        missing = [c for c in REQUIRED if c not in positions]
        unknown = [c for c in positions if c not in COLUMNS]
        if missing or unknown:
            error(
                LineError(
                    header_line,
                    f"見出し行が不正です（不足: {missing}、不明: {unknown}）",
                    f"bad header (missing: {missing}, unknown: {unknown})",
                )
            )
            return
        batch: list[_Row] = []
        last_line = header_line
        base_imported, base_rejected = job.imported, job.rejected

        def flush() -> None:
            nonlocal batch
            # All-or-nothing keeps writing after a bad line, inside the transaction that
            # will be rolled back, so that duplicates across batches are still reported.
            for err in importer.write_batch(session, batch, report):
                error(err)
            batch = []
            job.committed_line = last_line
            job.imported = base_imported + report.imported
            job.rejected = base_rejected + report.rejected
            if not all_or_nothing:
                session.commit()
            if on_progress:
                on_progress(handle.tell() if not handle.closed else 0)

        while True:
            try:
                line, fields = next(records)
            except StopIteration:
                break
            except _MalformedCsv as bad:
                error(LineError(bad.line, "CSVの形式が不正です", f"malformed CSV: {bad.detail}"))
                break
            last_line = line
            if line <= skip_through or not any(f.strip() for f in fields):
                continue
            try:
                batch.append(importer.check(line, fields, positions))
            except _Bad as bad:
                error(LineError(line, bad.reason_ja, bad.reason_en))
            if len(batch) >= batch_size:
                flush()
        flush()


def _finish_audit(
    factory: SessionFactory, context: Context, report: ImportReport, outcome: Outcome
) -> None:
    session = factory()
    try:
        audit.record(
            session,
            context,
            AuditAction.IMPORT_FINISH,
            outcome=outcome,
            details={
                "rejected": report.rejected,
                "mode": report.mode.value,
                "nothing_stored": True,
            },
        )
        session.commit()
    finally:
        session.close()


def write_example_csv(path: Path, count: int, seed: int = 1) -> None:
    """Synthetic persons for tests, benchmarks and the README example (never real people)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i, number in enumerate(numbers.generate_my_numbers(count, seed), start=1):
            writer.writerow(
                [
                    f"E{i:07d}",
                    "employee",
                    f"試験 太郎{i}",
                    number,
                    "my_number_card",
                    "my_number_card",
                    "",
                    "",
                    "",
                    "2020-04-01",
                    "",
                ]
            )
    os.chmod(path, 0o600)
