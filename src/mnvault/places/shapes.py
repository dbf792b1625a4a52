"""The register as JSON and as tables (CSV, Excel): Japanese labels first, English beside
them, times in the organisation's zone. Ids, names, codes and dates only: no number."""

from __future__ import annotations

from typing import Any

from mnvault.places.areas import KINDS, MEASURES
from mnvault.places.devices import ENCRYPTIONS, METHODS, SAFEGUARDS, STATUSES
from mnvault.places.devices import KINDS as DEVICE_KINDS
from mnvault.places.models import Area, Device, DeviceDisposal, EntryImport, MediaTakeout
from mnvault.places.sheets import Sheet

MEASURE_JA = {m[0]: m[1] for m in MEASURES}


def area_json(row: Area) -> dict[str, Any]:
    return {
        "id": str(row.id), "name": row.name, "kind": row.kind, "location": row.location,
        "measures": list(row.measures), "networks": list(row.networks), "note": row.note,
        "active": row.active, "updated_at": row.updated_at.isoformat(),
    }  # fmt: skip


def import_json(row: EntryImport) -> dict[str, Any]:
    return {
        "id": str(row.id), "area_id": str(row.area_id), "filename": row.filename,
        "mapping": row.mapping, "rows": row.rows, "sha256": row.sha256,
        "first_at": row.first_at.isoformat(), "last_at": row.last_at.isoformat(),
        "imported_at": row.imported_at.isoformat(),
    }  # fmt: skip


def device_json(row: Device) -> dict[str, Any]:
    return {
        "id": str(row.id), "kind": row.kind, "label": row.label, "owner_id": str(row.owner_id),
        "area_id": str(row.area_id) if row.area_id else None, "encryption": row.encryption,
        "status": row.status, "note": row.note, "updated_at": row.updated_at.isoformat(),
    }  # fmt: skip


def takeout_json(row: MediaTakeout) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": str(row.id), "device_id": str(row.device_id), "state": row.state,
        "purpose": row.purpose, "destination": row.destination,
        "safeguards": list(row.safeguards), "due_back": when(row.due_back),
        "requested_by": str(row.requested_by), "requested_at": when(row.requested_at),
        "decided_by": str(row.decided_by) if row.decided_by else None,
        "decided_at": when(row.decided_at), "returned_at": when(row.returned_at),
    }  # fmt: skip


def disposal_json(row: DeviceDisposal) -> dict[str, Any]:
    return {
        "id": str(row.id), "device_id": str(row.device_id), "method": row.method,
        "performed_on": row.performed_on.isoformat(), "performed_by": str(row.performed_by),
        "contractor_name": row.contractor_name, "note": row.note,
    }  # fmt: skip


def tables(
    areas: list[Area],
    devices: list[Device],
    takeouts: list[MediaTakeout],
    disposals: list[DeviceDisposal],
    logins: dict[Any, str],
) -> list[Sheet]:
    labels = {d.id: d.label for d in devices}
    names = {a.id: a.name for a in areas}
    return [
        Sheet(
            "areas", "管理区域・取扱区域 / Controlled and handling areas",
            ("名称 / Name", "区分 / Kind",
             "所在 / Location", "措置 / Measures",
             "ネットワーク / Networks", "有効 / Active"),
            [(a.name, KINDS[a.kind][0], a.location,
              "・".join(MEASURE_JA.get(m, m) for m in a.measures), " ".join(a.networks),
              "○" if a.active else "×") for a in areas],
        ),
        Sheet(
            "devices", "機器・電子媒体・書類 / Devices, media and paper",
            ("名称・管理番号 / Label", "種類 / Kind",
             "管理者 / Owner", "保管場所 / Place",
             "暗号化 / Encryption", "状態 / Status"),
            [(d.label, DEVICE_KINDS[d.kind][0], logins.get(d.owner_id, ""),
              names.get(d.area_id, "") if d.area_id else "", ENCRYPTIONS[d.encryption][0],
              STATUSES[d.status][0]) for d in devices],
        ),
        Sheet(
            "takeouts", "媒体・書類の持出し / Take-outs of media and paper",
            ("機器・媒体 / Device", "状態 / State",
             "目的 / Purpose", "持出し先 / To",
             "安全策 / Safeguards",
             "申請者 / Asked by",
             "申請日時 / Asked at",
             "承認者 / Decided by",
             "返却予定 / Due back",
             "返却日時 / Returned at"),
            [(labels.get(t.device_id, ""), t.state, t.purpose, t.destination,
              "・".join(SAFEGUARDS[s][0] for s in t.safeguards),
              logins.get(t.requested_by, ""), t.requested_at,
              logins.get(t.decided_by, "") if t.decided_by else "", t.due_back, t.returned_at)
             for t in takeouts],
        ),
        Sheet(
            "disposals", "機器・媒体・書類の廃棄 / Disposals",
            ("機器・媒体 / Device", "方法 / Method",
             "実施日 / Performed on",
             "実施者 / By",
             "委託先 / Contractor"),
            [(labels.get(x.device_id, ""), METHODS[x.method][0], x.performed_on,
              logins.get(x.performed_by, ""), x.contractor_name or "") for x in disposals],
        ),
    ]  # fmt: skip
