"""The register of 管理区域 and 取扱区域 and their entry/exit logs (事業者編 別添1 2E a).

An area names where it is, the measures taken there (a checklist from the guideline's
text), and the networks of its terminals, linked to the organisation's access conditions
that already restrict number work to the handling area's networks (access.services
set_conditions). Entry logs are imported per area, all lines or none (mapping.py).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership, User
from mnvault.access.permissions import Permission
from mnvault.access.policy.facts import load_conditions
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.period import zone_of
from mnvault.db.base import utcnow
from mnvault.numbers import redact
from mnvault.places import mapping as columns
from mnvault.places.errors import InvalidMapping, InvalidPlace, PlaceNotFound
from mnvault.places.models import Area, AreaEntry, EntryImport, EntryMapping
from mnvault.vault.freetext import optional_without_number, without_number

KINDS = {
    "controlled": ("管理区域", "controlled area"),
    "handling": ("取扱区域", "handling area"),
}
# The measures 別添1 2E a and b name, as a checklist (key, 日本語, English, section).
MEASURES: tuple[tuple[str, str, str, str], ...] = (
    ("entry_control", "入退室管理", "entry and exit control", "2E a"),
    ("entry_log", "入退室の記録（ICカード等）", "entry log (IC cards etc.)", "2E a"),
    ("device_limits", "持ち込む機器等の制限", "limits on devices brought in", "2E a"),
    ("partitions", "間仕切り等の設置", "partitions", "2E a"),
    ("seating", "座席配置の工夫", "seating arranged", "2E a"),
    ("screening", "のぞき込みを防止する措置", "screens against looking over shoulders", "2E a"),
    ("locked_storage", "施錠できるキャビネット・書庫等での保管", "lockable cabinets", "2E b"),
    ("security_wire", "セキュリティワイヤー等による固定", "security wire", "2E b"),
)
MEASURE_KEYS = frozenset(m[0] for m in MEASURES)


@dataclass(frozen=True)
class NetworkLink:
    """One of the area's networks, and whether the access conditions enforce it."""

    network: str
    enforced: bool


def _text(value: str, limit: int, field_ja: str, field_en: str) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InvalidPlace(f"{field_ja}は1〜{limit}文字", f"{field_en}: 1–{limit} characters")
    return without_number(value, field_ja, field_en)


def _networks(values: Sequence[str]) -> list[str]:
    try:
        return sorted(
            {str(ipaddress.ip_network(v.strip(), strict=False)) for v in values if v.strip()}
        )
    except ValueError:
        raise InvalidPlace("ネットワークはCIDR形式", "networks must be CIDR ranges") from None


def _measures(values: Sequence[str]) -> list[str]:
    unknown = set(values) - MEASURE_KEYS
    if unknown:
        raise InvalidPlace(f"不明な措置 {sorted(unknown)}", f"unknown measures {sorted(unknown)}")
    return [m[0] for m in MEASURES if m[0] in set(values)]


def get_area(session: Session, context: Context, area_id: uuid.UUID) -> Area:
    authorize(session, context, Permission.AREA_READ, organisation_resource(context))
    return _area(session, context, area_id)


def _area(session: Session, context: Context, area_id: uuid.UUID) -> Area:
    row = session.get(Area, area_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PlaceNotFound(f"区域 {area_id}", f"area {area_id}")
    return row


def list_areas(session: Session, context: Context) -> list[Area]:
    authorize(session, context, Permission.AREA_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(Area)
            .where(Area.organisation_id == context.organisation_id)
            .order_by(Area.kind, Area.name)
        )
    )


def save_area(
    session: Session,
    context: Context,
    *,
    name: str,
    kind: str,
    location: str,
    measures: Sequence[str] = (),
    networks: Sequence[str] = (),
    note: str | None = None,
    active: bool = True,
    area_id: uuid.UUID | None = None,
) -> Area:
    """Register an area, or change one (``area_id``); audited either way."""
    authorize(session, context, Permission.AREA_MANAGE, organisation_resource(context))
    if kind not in KINDS:
        raise InvalidPlace("区分は管理区域か取扱区域", "kind is controlled or handling")
    values: dict[str, Any] = {
        "name": _text(name, 100, "名称", "name"),
        "kind": kind,
        "location": _text(location, 200, "所在", "location"),
        "measures": _measures(measures),
        "networks": _networks(networks),
        "note": optional_without_number(note.strip() if note else None, "備考", "note") or None,
        "active": active,
    }
    if area_id is None:
        row = Area(organisation_id=context.organisation_id, created_by=context.actor_id, **values)
        session.add(row)
        action = AuditAction.AREA_CREATE
    else:
        row = _area(session, context, area_id)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        action = AuditAction.AREA_UPDATE
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise InvalidPlace("同じ名称の区域があります", "an area of that name exists") from None
    audit.record(
        session, context, action,
        details={"area": str(row.id), "kind": kind, "name": row.name,
                 "measures": row.measures, "networks": row.networks, "active": active},
    )  # fmt: skip
    return row


def network_links(session: Session, context: Context, area: Area) -> list[NetworkLink]:
    """Each network of the area, enforced when it lies inside a network of the
    organisation's access conditions (number work from elsewhere is refused)."""
    authorize(session, context, Permission.AREA_READ, organisation_resource(context))
    if area.organisation_id != context.organisation_id:
        raise PlaceNotFound(f"区域 {area.id}", f"area {area.id}")
    conditions = load_conditions(session, context.organisation_id)
    allowed = [ipaddress.ip_network(n) for n in (conditions.networks or ())] if conditions else []
    links = []
    for text in area.networks:
        network = ipaddress.ip_network(text)
        enforced = any(
            network.version == a.version and network.subnet_of(a)  # type: ignore[arg-type]
            for a in allowed
        )
        links.append(NetworkLink(text, enforced))
    return links


# -- column mappings ---------------------------------------------------------------------


def mappings(session: Session, context: Context) -> dict[str, columns.ColumnMapping]:
    """The built-in mappings and the organisation's own (its own win on a name)."""
    authorize(session, context, Permission.AREA_READ, organisation_resource(context))
    found = dict(columns.BUILT_IN)
    rows = session.scalars(
        select(EntryMapping).where(EntryMapping.organisation_id == context.organisation_id)
    )
    for row in rows:
        found[row.name] = columns.from_spec(row.spec)
    return found


def save_mapping(
    session: Session, context: Context, *, name: str, spec: dict[str, Any]
) -> EntryMapping:
    authorize(session, context, Permission.AREA_MANAGE, organisation_resource(context))
    name = name.strip()
    if not name or len(name) > 50 or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise InvalidMapping("名前は英数字・-・_の50文字以内", "a name of letters, digits, - and _")
    checked = columns.from_spec(spec).as_spec()
    without_number(json.dumps(checked, ensure_ascii=False), "対応付け", "mapping")
    row = session.scalar(
        select(EntryMapping).where(
            EntryMapping.organisation_id == context.organisation_id, EntryMapping.name == name
        )
    )
    if row is None:
        row = EntryMapping(organisation_id=context.organisation_id, name=name, spec=checked,
                           saved_by=context.actor_id)  # fmt: skip
        session.add(row)
    row.spec, row.saved_by, row.saved_at = checked, context.actor_id, utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.AREA_MAPPING_SAVE, details={"mapping": name, "spec": checked}
    )
    return row


# -- entry logs --------------------------------------------------------------------------


def import_entries(
    session: Session,
    context: Context,
    *,
    area_id: uuid.UUID,
    filename: str,
    data: bytes,
    mapping: str = "generic",
) -> EntryImport:
    """Import one access-control export into ``area_id``: every line or none.

    A card holder is matched to an account of the organisation by login; one that
    matches none is kept as the file names them (the cross-check cannot use it)."""
    authorize(session, context, Permission.AREA_MANAGE, organisation_resource(context))
    area = _area(session, context, area_id)
    chosen = mappings(session, context).get(mapping)
    if chosen is None:
        raise InvalidMapping(
            f"対応付け {mapping[:50]!r} はありません", f"no mapping {mapping[:50]!r}"
        )
    sha256 = hashlib.sha256(data).hexdigest()
    seen = session.scalar(
        select(func.count()).select_from(EntryImport).where(
            EntryImport.area_id == area.id, EntryImport.sha256 == sha256
        )
    )  # fmt: skip
    if seen:
        raise InvalidPlace("同じファイルは取込み済みです", "this file was imported already")
    lines = columns.parse(data, chosen, zone_of(session, context.organisation_id))
    badges = {line.badge for line in lines}
    members = select(Membership.user_id).where(
        Membership.organisation_id == context.organisation_id
    )
    matched: dict[str, uuid.UUID] = {}
    ordered = sorted(badges)
    for start in range(0, len(ordered), 500):  # bound the IN list (SQLite's variable limit)
        chunk = ordered[start : start + 500]
        matched.update(
            (login, user_id)
            for login, user_id in session.execute(
                select(User.login, User.id).where(User.login.in_(chunk), User.id.in_(members))
            )
        )
    row = EntryImport(
        organisation_id=context.organisation_id, area_id=area.id,
        filename=redact(filename.strip())[:200] or "entries.csv", mapping=mapping, sha256=sha256,
        rows=len(lines), first_at=min(x.at for x in lines), last_at=max(x.at for x in lines),
        imported_by=context.actor_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    session.add_all(
        AreaEntry(
            organisation_id=context.organisation_id,
            area_id=area.id,
            import_id=row.id,
            line_no=x.line,
            occurred_at=x.at,
            direction=x.direction,
            badge=x.badge,
            user_id=matched.get(x.badge),
            door=x.door,
        )
        for x in lines
    )
    session.flush()
    audit.record(
        session, context, AuditAction.AREA_ENTRIES_IMPORT,
        details={"area": str(area.id), "import": str(row.id), "mapping": mapping,
                 "rows": len(lines), "sha256": sha256, "matched": len(matched),
                 "unmatched": len(badges - set(matched))},
    )  # fmt: skip
    return row


def imports_of(session: Session, context: Context, area_id: uuid.UUID) -> list[EntryImport]:
    area = get_area(session, context, area_id)
    return list(
        session.scalars(
            select(EntryImport)
            .where(EntryImport.area_id == area.id)
            .order_by(EntryImport.imported_at.desc())
        )
    )


def entries_of(
    session: Session, context: Context, area_id: uuid.UUID, *, limit: int = 500
) -> list[AreaEntry]:
    area = get_area(session, context, area_id)
    return list(
        session.scalars(
            select(AreaEntry)
            .where(AreaEntry.area_id == area.id)
            .order_by(AreaEntry.occurred_at.desc())
            .limit(limit)
        )
    )
