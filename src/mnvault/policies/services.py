"""The rules of the 基本方針 and the 取扱規程 as records: draft, upload, approve, publish,
list, download, and what to suggest when the organisation's data changed.

Each act is authorized (policy:draft, policy:approve, policy:read) and audited. Files are kept
sealed as attachments (owner ``policy_version``). Times are stored in UTC; the effective date
is the organisation's local date. Nothing here reads or returns a number: the drafts are made
from masked data (inputs.py), notes are masked, and an uploaded Word file holding a number
is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource, roles_of
from mnvault.attachments import services as attachments
from mnvault.attachments.media import DOCX, PDF
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.period import zone_of
from mnvault.crypto import Envelope
from mnvault.db.base import utcnow
from mnvault.numbers import mask_numbers, redact
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.policies import render
from mnvault.policies.content import draft_of
from mnvault.policies.errors import (
    ApprovalRefused,
    InvalidDate,
    NothingPublished,
    NumberInDocument,
    UnknownDocument,
    UnreadableDocument,
    VersionNotFound,
    WrongState,
)
from mnvault.policies.inputs import gather
from mnvault.policies.models import PolicyVersion
from mnvault.policies.rules import (
    APPROVABLE,
    PUBLISHABLE,
    REFUSAL_EN,
    REFUSAL_JA,
    RESPONSIBLE_ROLES,
    SHOWN_EN,
    SHOWN_JA,
    TITLE_EN,
    TITLE_JA,
    Document,
    Shown,
    VersionState,
    shown,
    who_approves,
)

OWNER = "policy_version"
NOTE_MAX = 1000
GENERATED = "generated"
UPLOADED = "uploaded"


def document_of(value: str) -> Document:
    try:
        return Document(value)
    except ValueError:
        raise UnknownDocument() from None


@dataclass(frozen=True)
class VersionView:
    id: uuid.UUID
    document: Document
    number: int
    state: VersionState
    shown: Shown
    origin: str
    stale: bool  # drafted from data that has changed since
    has_docx: bool
    has_pdf: bool
    note: str | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_by: str | None
    published_at: datetime | None
    effective_from: date | None

    @property
    def shown_ja(self) -> str:
        return SHOWN_JA[self.shown]

    @property
    def shown_en(self) -> str:
        return SHOWN_EN[self.shown]

    @property
    def title_ja(self) -> str:
        return f"{TITLE_JA[self.document]} 第{self.number}版"


@dataclass(frozen=True)
class DocumentOverview:
    document: Document
    title_ja: str
    title_en: str
    current: VersionView | None
    versions: tuple[VersionView, ...]  # newest first
    suggest_draft: bool  # no version yet, or the data changed since the latest one
    awaiting: tuple[VersionView, ...]  # drafts and uploads not yet approved, approved not published


@dataclass(frozen=True)
class Attention:
    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    data: bytes
    sha256: str


# -- reading -----------------------------------------------------------------------------------


def today_of(session: Session, organisation_id: uuid.UUID) -> date:
    return utcnow().astimezone(zone_of(session, organisation_id)).date()


def _rows(session: Session, organisation_id: uuid.UUID, document: Document) -> list[PolicyVersion]:
    return list(
        session.scalars(
            select(PolicyVersion)
            .where(
                PolicyVersion.organisation_id == organisation_id,
                PolicyVersion.document == document.value,
            )
            .order_by(PolicyVersion.number.desc())
        )
    )


def current_row(rows: list[PolicyVersion], today: date) -> PolicyVersion | None:
    """The published version in force today: the latest effective date not after today
    (on the same date, the later version)."""
    in_force = [
        r
        for r in rows
        if r.state == VersionState.PUBLISHED
        and r.effective_from is not None
        and r.effective_from <= today
    ]
    return max(in_force, key=lambda r: (r.effective_from, r.number), default=None)


def _views(
    session: Session, rows: list[PolicyVersion], today: date, fingerprint: str
) -> list[VersionView]:
    ids = {i for r in rows for i in (r.created_by, r.approved_by, r.published_by) if i}
    names: dict[uuid.UUID, str] = {}
    if ids:
        rows_ = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
        names = {row.id: row.display_name for row in rows_}
    current = current_row(rows, today)

    def name(user_id: uuid.UUID | None) -> str | None:
        return mask_numbers(names.get(user_id, "")) if user_id else None

    return [
        VersionView(
            id=r.id,
            document=Document(r.document),
            number=r.number,
            state=VersionState(r.state),
            shown=shown(VersionState(r.state), r.effective_from, today, r is current),
            origin=r.origin,
            stale=r.fingerprint != fingerprint,
            has_docx=r.docx_attachment_id is not None,
            has_pdf=r.pdf_attachment_id is not None,
            note=r.note,
            created_by=name(r.created_by) or "",
            created_at=r.created_at,
            approved_by=name(r.approved_by),
            approved_at=r.approved_at,
            published_by=name(r.published_by),
            published_at=r.published_at,
            effective_from=r.effective_from,
        )
        for r in rows
    ]


def overview_of(session: Session, organisation_id: uuid.UUID) -> list[DocumentOverview]:
    """Both documents with their history and suggestions (no authorization: for the
    services below, attention() and the evidence provider)."""
    today = today_of(session, organisation_id)
    fingerprint = gather(session, organisation_id).fingerprint()
    found = []
    for document in Document:
        views = _views(session, _rows(session, organisation_id, document), today, fingerprint)
        current = next((v for v in views if v.shown is Shown.CURRENT), None)
        newer = [v for v in views if current is None or v.number > current.number]
        found.append(
            DocumentOverview(
                document,
                TITLE_JA[document],
                TITLE_EN[document],
                current,
                tuple(views),
                suggest_draft=not views or views[0].stale,
                awaiting=tuple(
                    v
                    for v in newer
                    if v.state in (VersionState.DRAFT, VersionState.UPLOADED, VersionState.APPROVED)
                ),
            )
        )
    return found


def overview(session: Session, context: Context) -> list[DocumentOverview]:
    authorize(session, context, Permission.POLICY_READ, organisation_resource(context))
    return overview_of(session, context.organisation_id)


def _version(session: Session, context: Context, version_id: uuid.UUID) -> PolicyVersion:
    row = session.get(PolicyVersion, version_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise VersionNotFound()
    return row


def version_id_of(session: Session, context: Context, document: Document, number: int) -> uuid.UUID:
    """The id of a document's version by its number (the CLI names versions so)."""
    authorize(session, context, Permission.POLICY_READ, organisation_resource(context))
    found = session.scalar(
        select(PolicyVersion.id).where(
            PolicyVersion.organisation_id == context.organisation_id,
            PolicyVersion.document == document.value,
            PolicyVersion.number == number,
        )
    )
    if found is None:
        raise VersionNotFound(f"第{number}版", f"version {number}")
    return found


# -- acts ----------------------------------------------------------------------------------------


def _next_number(session: Session, organisation_id: uuid.UUID, document: Document) -> int:
    latest = session.scalar(
        select(func.max(PolicyVersion.number)).where(
            PolicyVersion.organisation_id == organisation_id,
            PolicyVersion.document == document.value,
        )
    )
    return (latest or 0) + 1


def _clean_note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    return mask_numbers(note.strip())[:NOTE_MAX]


def draft(
    session: Session, envelope: Envelope, context: Context, *, document: Document
) -> PolicyVersion:
    """Generate a draft from the organisation's data today: a .docx and its PDF, kept sealed,
    with the fingerprint of the data (別添1 2A, 2B)."""
    authorize(session, context, Permission.POLICY_DRAFT, organisation_resource(context))
    inputs = gather(session, context.organisation_id)
    drafted = draft_of(document, inputs)
    today = today_of(session, context.organisation_id)
    row = PolicyVersion(
        organisation_id=context.organisation_id, document=document.value,
        number=_next_number(session, context.organisation_id, document),
        state=VersionState.DRAFT.value, origin=GENERATED, fingerprint=inputs.fingerprint(),
        created_by=context.actor_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    stem = f"{TITLE_JA[document]}_第{row.number}版_案"
    docx = attachments.store(
        session, envelope, context, owner=OWNER, owner_id=row.id, filename=f"{stem}.docx",
        data=render.to_docx(drafted, inputs.organisation, today),
    )  # fmt: skip
    pdf = attachments.store(
        session, envelope, context, owner=OWNER, owner_id=row.id, filename=f"{stem}.pdf",
        data=render.to_pdf(drafted, inputs.organisation, today),
    )  # fmt: skip
    row.docx_attachment_id, row.pdf_attachment_id = docx.id, pdf.id
    session.flush()
    audit.record(
        session, context, AuditAction.POLICY_DRAFT,
        details={
            "document": document.value, "version": row.number, "policy_version": str(row.id),
            "fingerprint": row.fingerprint, "docx_sha256": docx.sha256, "pdf_sha256": pdf.sha256,
        },
    )  # fmt: skip
    return row


def upload(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    document: Document,
    filename: str,
    data: bytes,
    note: str | None = None,
    based_on: uuid.UUID | None = None,
) -> PolicyVersion:
    """Keep a person's edited copy (Word or PDF) as a new version, based on ``based_on`` or
    the latest version (whose fingerprint it inherits: it was edited from that data)."""
    authorize(session, context, Permission.POLICY_DRAFT, organisation_resource(context))
    rows = _rows(session, context.organisation_id, document)
    base = _version(session, context, based_on) if based_on else (rows[0] if rows else None)
    if base is not None and base.document != document.value:
        raise VersionNotFound()
    row = PolicyVersion(
        organisation_id=context.organisation_id, document=document.value,
        number=_next_number(session, context.organisation_id, document),
        state=VersionState.UPLOADED.value, origin=UPLOADED,
        based_on_id=base.id if base else None,
        fingerprint=base.fingerprint if base else gather(
            session, context.organisation_id
        ).fingerprint(),
        note=_clean_note(note), created_by=context.actor_id, created_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    stored = attachments.store(
        session, envelope, context, owner=OWNER, owner_id=row.id, filename=filename, data=data,
        allowed=frozenset({DOCX, PDF}),
    )  # fmt: skip
    if stored.media_type == DOCX:
        _refuse_number_in_word(data)
        row.docx_attachment_id = stored.id
    else:
        row.pdf_attachment_id = stored.id
    session.flush()
    audit.record(
        session, context, AuditAction.POLICY_UPLOAD,
        details={
            "document": document.value, "version": row.number, "policy_version": str(row.id),
            "based_on": str(base.id) if base else None, "attachment": str(stored.id),
            "sha256": stored.sha256, "media_type": stored.media_type,
        },
    )  # fmt: skip
    return row


def _refuse_number_in_word(data: bytes) -> None:
    """An edited Word file may carry a number a person typed into it: refused, so that no
    version holds one (the whole upload rolls back)."""
    try:
        text = render.docx_text(data)
    except Exception:  # python-docx raises several kinds for a damaged package
        raise UnreadableDocument() from None
    if redact(text) != text:
        raise NumberInDocument()


def _responsible_count(session: Session, organisation_id: uuid.UUID) -> int:
    return (
        session.scalar(
            select(func.count(func.distinct(Membership.user_id))).where(
                Membership.organisation_id == organisation_id,
                Membership.role.in_([r.value for r in RESPONSIBLE_ROLES]),
            )
        )
        or 0
    )


def approve(session: Session, context: Context, *, version_id: uuid.UUID) -> PolicyVersion:
    """The 責任者's approval (rules.who_approves: not the version's author; a public body's
    総括責任者), recorded with who and when."""
    authorize(session, context, Permission.POLICY_APPROVE, organisation_resource(context))
    row = _version(session, context, version_id)
    if VersionState(row.state) not in APPROVABLE:
        raise WrongState(row.state, row.state)
    org = session.get_one(Organisation, context.organisation_id)
    decision = who_approves(
        OrganisationKind(org.kind), context.actor_id,
        roles_of(session, context.actor_id, context.organisation_id), row.created_by,
        _responsible_count(session, context.organisation_id),
    )  # fmt: skip
    if decision.refusal is not None:
        raise ApprovalRefused(REFUSAL_JA[decision.refusal], REFUSAL_EN[decision.refusal])
    row.state = VersionState.APPROVED.value
    row.approved_by = context.actor_id
    row.approved_at = utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.POLICY_APPROVE,
        details={
            "document": row.document, "version": row.number, "policy_version": str(row.id),
            "self_approved": decision.self_approved,
        },
    )  # fmt: skip
    return row


def publish(
    session: Session, context: Context, *, version_id: uuid.UUID, effective_from: date
) -> PolicyVersion:
    """Publish an approved version, in force from ``effective_from`` (the organisation's
    date, not before the approval); the version before it stays in the history."""
    authorize(session, context, Permission.POLICY_APPROVE, organisation_resource(context))
    row = _version(session, context, version_id)
    if VersionState(row.state) not in PUBLISHABLE:
        raise WrongState(row.state, row.state)
    zone = zone_of(session, context.organisation_id)
    approved_on = (row.approved_at or utcnow()).astimezone(zone).date()
    if effective_from < approved_on:
        raise InvalidDate("施行日は承認日以降", "the effective date may not precede the approval")
    row.state = VersionState.PUBLISHED.value
    row.published_by = context.actor_id
    row.published_at = utcnow()
    row.effective_from = effective_from
    session.flush()
    audit.record(
        session, context, AuditAction.POLICY_PUBLISH,
        details={
            "document": row.document, "version": row.number, "policy_version": str(row.id),
            "effective_from": effective_from.isoformat(),
        },
    )  # fmt: skip
    return row


def download(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    version_id: uuid.UUID | None = None,
    document: Document | None = None,
    fmt: str = "docx",
) -> Download:
    """A version's file (``fmt`` docx or pdf); without a version, the current one of
    ``document``. Audited with the file's SHA-256."""
    authorize(session, context, Permission.POLICY_READ, organisation_resource(context))
    if version_id is not None:
        row = _version(session, context, version_id)
    else:
        if document is None:
            raise UnknownDocument()
        found = current_row(
            _rows(session, context.organisation_id, document),
            today_of(session, context.organisation_id),
        )
        if found is None:
            raise NothingPublished()
        row = found
    attachment_id = row.pdf_attachment_id if fmt == "pdf" else row.docx_attachment_id
    if attachment_id is None:
        raise VersionNotFound(f"{fmt} なし", f"no {fmt} for this version")
    stored, data = attachments.open(session, envelope, context, attachment_id, owner=OWNER)
    audit.record(
        session, context, AuditAction.POLICY_DOWNLOAD,
        details={
            "document": row.document, "version": row.number, "policy_version": str(row.id),
            "attachment": str(stored.id), "sha256": stored.sha256,
        },
    )  # fmt: skip
    return Download(stored.filename, stored.media_type, data, stored.sha256)


# -- what needs someone's attention ------------------------------------------------------------


def attention_of(session: Session, organisation_id: uuid.UUID) -> list[Attention]:
    found = []
    for doc in overview_of(session, organisation_id):
        link = f"/policies#{doc.document.value}"
        if not doc.versions:
            ja = f"{doc.title_ja}が未策定です（案を自動作成できます）"
            en = f"no {doc.title_en} yet (a draft can be generated)"
            found.append(Attention(ja, en, None, link, False))
        elif doc.suggest_draft:
            ja = (
                f"{doc.title_ja}の元データ（事務・担当者・取扱区域等）が変わりました。"
                "新しい案の作成をお勧めします"
            )
            en = f"the data the {doc.title_en} was drafted from changed: draft a new version"
            found.append(Attention(ja, en, None, link, False))
        for waiting in doc.awaiting:
            ja = f"{waiting.title_ja}: {waiting.shown_ja}（承認・公表待ち）"
            en = f"{doc.title_en} v{waiting.number}: {waiting.shown_en} (awaiting approval)"
            found.append(Attention(ja, en, None, link, False))
    return found


def attention(session: Session, context: Context) -> list[Attention]:
    """For the dashboard: drafts suggested, versions awaiting approval (managers)."""
    if not RESPONSIBLE_ROLES & roles_of(session, context.actor_id, context.organisation_id):
        return []
    return attention_of(session, context.organisation_id)


def is_responsible(session: Session, context: Context) -> bool:
    """Whether the actor may draft and approve (the page shows the forms)."""
    return bool(RESPONSIBLE_ROLES & roles_of(session, context.actor_id, context.organisation_id))


@dataclass(frozen=True)
class Page:
    documents: list[DocumentOverview]
    responsible: bool  # may draft, upload, approve and publish
    zone: ZoneInfo
    today: date


def page(session: Session, context: Context) -> Page:
    """What the screen shows: both documents, and whether the viewer may act on them."""
    documents = overview(session, context)
    return Page(
        documents,
        is_responsible(session, context),
        zone_of(session, context.organisation_id),
        today_of(session, context.organisation_id),
    )
