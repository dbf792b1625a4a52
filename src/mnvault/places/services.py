"""The places register's services, one import for api, views and the CLI: the areas and
their entry logs (areas.py), devices, take-outs and disposals (devices.py), the
cross-check of the logs against the trail, the attention items for the dashboard, and the
register as CSV or Excel."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import period
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.places import crosscheck, report_findings, shapes, sheets
from mnvault.places.areas import (
    KINDS,
    MEASURES,
    NetworkLink,
    entries_of,
    get_area,
    import_entries,
    imports_of,
    list_areas,
    mappings,
    network_links,
    save_area,
    save_mapping,
)
from mnvault.places.devices import (
    ENCRYPTIONS,
    METHODS,
    SAFEGUARDS,
    STATUSES,
    certificate,
    decide_takeout,
    disposals,
    dispose_device,
    get_device,
    list_devices,
    list_takeouts,
    request_takeout,
    return_takeout,
    save_device,
)
from mnvault.places.devices import (
    KINDS as DEVICE_KINDS,
)
from mnvault.places.errors import InvalidPlace
from mnvault.places.models import MediaTakeout

__all__ = [
    "DEVICE_KINDS",
    "ENCRYPTIONS",
    "KINDS",
    "MEASURES",
    "METHODS",
    "SAFEGUARDS",
    "STATUSES",
    "XLSX_MEDIA_TYPE",
    "Attention",
    "CrossCheck",
    "Exported",
    "NetworkLink",
    "attention",
    "certificate",
    "cross_check",
    "decide_takeout",
    "disposals",
    "dispose_device",
    "entries_of",
    "export",
    "get_area",
    "get_device",
    "import_entries",
    "imports_of",
    "list_areas",
    "list_devices",
    "list_takeouts",
    "logins",
    "mappings",
    "network_links",
    "request_takeout",
    "return_takeout",
    "save_area",
    "save_device",
    "save_mapping",
]


@dataclass(frozen=True)
class Attention:
    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


@dataclass(frozen=True)
class CrossCheck:
    since: datetime
    until: datetime
    after_hours: list[crosscheck.Finding]
    outside: list[crosscheck.Finding]


def cross_check(
    session: Session, context: Context, *, since: period.When, until: period.When
) -> CrossCheck:
    """The entry logs against the trail for ``[since, until]`` (dates in the organisation's
    zone): what the periodic report shows, on its own. It reads the trail: audit:read."""
    authorize(session, context, Permission.AUDIT_READ, organisation_resource(context))
    zone = period.zone_of(session, context.organisation_id)
    start, stop = period.window(since, until, zone, required=True)
    assert start is not None  # noqa: S101 - required=True checked it
    assert stop is not None  # noqa: S101
    after, outside = report_findings.analyse(session, context.organisation_id, start, stop)
    audit.record(
        session, context, AuditAction.AUDIT_QUERY,
        details={"question": "places_cross_check", "from": start.isoformat(),
                 "to": stop.isoformat(), "after_hours": len(after), "outside": len(outside)},
    )  # fmt: skip
    return CrossCheck(start, stop, after, outside)


def attention(session: Session, context: Context) -> list[Attention]:
    """Take-outs awaiting a decision, and media out past their return date (managers)."""
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    today = utcnow().astimezone(period.zone_of(session, context.organisation_id)).date()
    rows = session.scalars(
        select(MediaTakeout).where(
            MediaTakeout.organisation_id == context.organisation_id,
            MediaTakeout.state.in_(("requested", "approved")),
        )
    )
    items = []
    for row in rows:
        if row.state == "requested":
            items.append(
                Attention(
                    "媒体・書類の持出し申請（承認待ち）",
                    "media take-out awaiting approval",
                    None,
                    f"/places/takeouts#{row.id}",
                    False,
                )
            )
        elif row.due_back is not None and row.due_back < today:
            items.append(
                Attention(
                    "返却予定日を過ぎた持出し",
                    "take-out past its return date",
                    row.due_back,
                    f"/places/takeouts#{row.id}",
                    True,
                )
            )
    return items


XLSX_MEDIA_TYPE = sheets.XLSX_MEDIA_TYPE


@dataclass(frozen=True)
class Exported:
    data: bytes
    media_type: str


def export(session: Session, context: Context, fmt: str) -> Exported:
    """The register (areas, devices, take-outs, disposals) as an Excel workbook (one sheet
    each) or, for ``csv``, the devices sheet; audited."""
    areas, devices = list_areas(session, context), list_devices(session, context)
    takeouts, done = list_takeouts(session, context), disposals(session, context)
    ids = {d.owner_id for d in devices} | {t.requested_by for t in takeouts}
    ids |= {t.decided_by for t in takeouts if t.decided_by} | {x.performed_by for x in done}
    tables = shapes.tables(areas, devices, takeouts, done, logins(session, ids))
    zone = period.zone_of(session, context.organisation_id)
    if fmt == "xlsx":
        data, media = sheets.to_xlsx(tables, zone), sheets.XLSX_MEDIA_TYPE
    elif fmt == "csv":
        data, media = sheets.to_csv(tables[1], zone), sheets.CSV_MEDIA_TYPE
    else:
        raise InvalidPlace("形式は csv か xlsx", "the format is csv or xlsx")
    audit.record(
        session, context, AuditAction.PLACES_EXPORT,
        details={"format": fmt, "areas": len(areas), "devices": len(devices),
                 "takeouts": len(takeouts), "disposals": len(done)},
    )  # fmt: skip
    return Exported(data, media)


def logins(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The logins of the accounts a register names (only those)."""
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.login).where(User.id.in_(wanted)))
    return {user_id: login for user_id, login in rows}
