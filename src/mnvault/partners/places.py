"""外的環境の把握 (事業者編 別添1 2G): every place outside Japan where numbers are stored or
processed — a cloud region, a foreign 委託先, staff working from abroad — with what is held
there, the safeguards, and the organisation's note on that country's personal-information
regime; and where this deployment itself keeps its data (recorded at init, settable later).

「事業者が、外国において特定個人情報等を取り扱う場合、当該外国の個人情報の保護に関する制度等を
把握した上で、特定個人情報等の安全の管理のために必要かつ適切な措置を講じなければならない。」
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.partners.errors import InvalidPartner, PartnerNotFound, WrongState
from mnvault.partners.models import ForeignPlace, Outsourcee, PlaceKind, StorageLocation
from mnvault.vault.freetext import without_number

HOME = "JP"
DEFAULT_PLACE = "自組織の設備（国内） / own premises in Japan"

KINDS = (
    (PlaceKind.CLOUD.value, "クラウドのリージョン", "cloud region"),
    (PlaceKind.OUTSOURCEE.value, "外国の委託先", "foreign outsourcee"),
    (PlaceKind.REMOTE_STAFF.value, "国外からの業務（リモート）", "staff working from abroad"),
    (PlaceKind.OTHER.value, "その他", "other"),
)


def country_code(value: str) -> str:
    country = (value or "").strip().upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise InvalidPartner(
            "国は ISO 3166 の2文字で入力してください（例: JP, US）",
            "give the country as its ISO 3166 two-letter code (JP, US …)",
        )
    return country


def _required(text: str, ja: str, en: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidPartner(f"{ja}を入力してください", f"give the {en}")
    return without_number(text, ja, en)


def add_place(
    session: Session,
    context: Context,
    *,
    kind: str,
    country: str,
    place: str,
    what: str,
    safeguards: str,
    regime_note: str,
    reviewed_on: date,
    outsourcee_id: uuid.UUID | None = None,
) -> ForeignPlace:
    """Record a place abroad. The regime note is required: 2G asks that the country's
    system be grasped before SPI is handled there."""
    authorize(session, context, Permission.PARTNER_MANAGE)
    if kind not in {k for k, _, _ in KINDS}:
        raise InvalidPartner("場所の種類が不明です", "unknown kind of place")
    code = country_code(country)
    if code == HOME:
        raise InvalidPartner("国外の場所だけを登録します", "only places outside Japan are recorded")
    if outsourcee_id is not None:
        partner = session.get(Outsourcee, outsourcee_id)
        if partner is None or partner.organisation_id != context.organisation_id:
            raise PartnerNotFound()
    row = ForeignPlace(
        organisation_id=context.organisation_id,
        kind=kind,
        country=code,
        place=_required(place, "場所", "place"),
        what=_required(what, "取り扱う内容", "what is held or processed"),
        safeguards=_required(safeguards, "講じている措置", "safeguards"),
        regime_note=_required(regime_note, "当該国の制度の把握", "note on the country's regime"),
        outsourcee_id=outsourcee_id,
        reviewed_on=reviewed_on,
        recorded_by=context.actor_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.FOREIGN_PLACE_CREATE,
        details={"place_id": str(row.id), "kind": kind, "country": code},
    )  # fmt: skip
    return row


def end_place(session: Session, context: Context, place_id: uuid.UUID) -> ForeignPlace:
    """No SPI is held there any more (the row stays, ended)."""
    authorize(session, context, Permission.PARTNER_MANAGE)
    row = session.get(ForeignPlace, place_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PartnerNotFound()
    if row.ended_at is not None:
        raise WrongState()
    row.ended_at = utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.FOREIGN_PLACE_END,
        details={"place_id": str(row.id), "country": row.country},
    )  # fmt: skip
    return row


@dataclass(frozen=True)
class Location:
    country: str
    place: str
    abroad: bool
    set_at: str | None


def places(session: Session, context: Context, *, ended: bool = False) -> list[ForeignPlace]:
    authorize(session, context, Permission.PARTNER_READ)
    query = select(ForeignPlace).where(ForeignPlace.organisation_id == context.organisation_id)
    if not ended:
        query = query.where(ForeignPlace.ended_at.is_(None))
    return list(session.scalars(query.order_by(ForeignPlace.country, ForeignPlace.recorded_at)))


def record_location(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    country: str = HOME,
    place: str = DEFAULT_PLACE,
    context: Context | None = None,
) -> StorageLocation:
    """Where the deployment stores the organisation's data (init: the actor is the set-up)."""
    code = country_code(country)
    text = _required(place, "保管場所", "storage location")
    row = session.get(StorageLocation, organisation_id)
    if row is None:
        row = StorageLocation(organisation_id=organisation_id, country=code, place=text)
        session.add(row)
    row.country, row.place, row.set_at = code, text, utcnow()
    row.set_by = context.actor_id if context is not None else None
    session.flush()
    audit.record(
        session, context, AuditAction.STORAGE_LOCATION_SET, organisation_id=organisation_id,
        details={"country": code, "place": text},
    )  # fmt: skip
    return row


def set_location(
    session: Session, context: Context, *, country: str, place: str
) -> StorageLocation:
    authorize(session, context, Permission.PARTNER_MANAGE)
    return record_location(
        session, context.organisation_id, country=country, place=place, context=context
    )


def location(session: Session, context: Context) -> Location | None:
    authorize(session, context, Permission.PARTNER_READ)
    row = session.get(StorageLocation, context.organisation_id)
    if row is None:
        return None
    return Location(row.country, row.place, row.country != HOME, row.set_at.isoformat())


def foreign_outsourcees_unrecorded(session: Session, context: Context) -> list[Outsourcee]:
    """Current 委託先 abroad with no place recorded for them (a gap in 2G)."""
    authorize(session, context, Permission.PARTNER_READ)
    recorded = set(
        session.scalars(
            select(ForeignPlace.outsourcee_id).where(
                ForeignPlace.organisation_id == context.organisation_id,
                ForeignPlace.ended_at.is_(None),
            )
        )
    )
    rows = session.scalars(
        select(Outsourcee).where(
            Outsourcee.organisation_id == context.organisation_id,
            Outsourcee.country != HOME,
            Outsourcee.ended_at.is_(None),
        )
    )
    return [r for r in rows if r.id not in recorded]
