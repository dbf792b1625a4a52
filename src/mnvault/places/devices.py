"""Devices, electronic media and paper that hold SPI (事業者編 別添1 2E b), their take-out
(2E c) and their disposal (2E d).

Take-out rules: the asker names a purpose, a destination and at least one safeguard the
guideline lists (暗号化, パスワード, 施錠できる搬送容器, 封緘, 目隠しシール, 追跡可能な移送手段);
a manager other than the asker approves or refuses; only an approved take-out is returned,
and a medium out (or asked for) cannot be taken out again, disposed of or edited away.
Disposal: the method fits the medium (paper is shredded, burnt, dissolved or masked;
devices are erased or destroyed), and a contractor's disposal needs its certificate,
sealed in mnvault.attachments (PDF or image).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource, user_by_reference
from mnvault.attachments import services as attachments
from mnvault.attachments.models import Attachment
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.period import zone_of
from mnvault.crypto import Envelope
from mnvault.db.base import utcnow
from mnvault.places.areas import _area
from mnvault.places.errors import DeviceDisposed, InvalidPlace, PlaceNotFound, TakeoutRefused
from mnvault.places.models import Device, DeviceDisposal, MediaTakeout
from mnvault.vault.freetext import optional_without_number, without_number

PAPER = ("paper_file", "cabinet")
KINDS = {
    "pc": ("パソコン", "PC"),
    "server": ("サーバ", "server"),
    "usb": ("USBメモリ", "USB memory"),
    "external_disk": ("外付けディスク", "external disk"),
    "optical": ("光ディスク", "optical disc"),
    "other_media": ("その他の電子媒体", "other electronic medium"),
    "paper_file": ("書類・ファイル", "paper file"),
    "cabinet": ("書庫・キャビネット", "cabinet"),
}
ENCRYPTIONS = {
    "full_disk": ("ディスク全体の暗号化", "full-disk encryption"),
    "file": ("ファイルの暗号化", "file encryption"),
    "password": ("パスワード保護", "password protection"),
    "none": ("なし", "none"),
    "not_applicable": ("対象外（紙）", "not applicable (paper)"),
}
STATUSES = {
    "in_use": ("使用中", "in use"),
    "stored": ("保管中", "stored"),
    "taken_out": ("持出し中", "taken out"),
    "lost": ("紛失", "lost"),
    "disposed": ("廃棄済み", "disposed of"),
}
# What an edit may set; taken_out and disposed follow from a take-out and a disposal.
EDITABLE_STATUSES = ("in_use", "stored", "lost")
SAFEGUARDS = {
    "encrypted": ("データの暗号化", "data encrypted"),
    "password": ("パスワードによる保護", "password protected"),
    "locked_case": ("施錠できる搬送容器", "lockable container"),
    "traceable": ("追跡可能な移送手段", "traceable transport"),
    "sealed": ("封緘", "sealed"),
    "cover_sticker": ("目隠しシールの貼付", "covering sticker"),
    "envelope_bag": ("封筒に封入し鞄に入れて搬送", "in an envelope inside a bag"),
}
METHODS = {
    "shredder": ("復元不可能な程度に細断（シュレッダー）", "shredded beyond recovery"),
    "incineration": ("焼却", "incinerated"),
    "dissolution": ("溶解", "dissolved"),
    "masking": ("個人番号部分のマスキング", "number masked beyond recovery"),
    "erasure_software": ("専用のデータ削除ソフトウェア", "data-erasure software"),
    "physical_destruction": ("物理的な破壊", "physical destruction"),
    "contractor": ("委託先による廃棄（証明書あり）", "by a contractor (certificate)"),
}
PAPER_METHODS = frozenset({"shredder", "incineration", "dissolution", "masking", "contractor"})
DEVICE_METHODS = frozenset({"erasure_software", "physical_destruction", "contractor"})
OPEN_TAKEOUTS = ("requested", "approved")
CERTIFICATE_OWNER = "device_disposal"


def _device(session: Session, context: Context, device_id: uuid.UUID) -> Device:
    row = session.get(Device, device_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PlaceNotFound(f"機器 {device_id}", f"device {device_id}")
    return row


def _member(session: Session, context: Context, login: str) -> User:
    user = user_by_reference(session, context, login.strip())
    member = user is not None and session.scalar(
        select(Membership.user_id).where(
            Membership.user_id == user.id, Membership.organisation_id == context.organisation_id
        )
    )
    if user is None or not member:
        raise PlaceNotFound("利用者", "user")
    return user


def get_device(session: Session, context: Context, device_id: uuid.UUID) -> Device:
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    return _device(session, context, device_id)


def list_devices(session: Session, context: Context) -> list[Device]:
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(Device)
            .where(Device.organisation_id == context.organisation_id)
            .order_by(Device.kind, Device.label)
        )
    )


def save_device(
    session: Session,
    context: Context,
    *,
    kind: str,
    label: str,
    owner_login: str,
    encryption: str,
    status: str = "in_use",
    area_id: uuid.UUID | None = None,
    note: str | None = None,
    device_id: uuid.UUID | None = None,
) -> Device:
    """Register a device, medium or paper file, or change one; audited."""
    authorize(session, context, Permission.DEVICE_MANAGE, organisation_resource(context))
    if kind not in KINDS:
        raise InvalidPlace("種類が不明です", "unknown kind")
    if encryption not in ENCRYPTIONS or (encryption == "not_applicable") != (kind in PAPER):
        raise InvalidPlace(
            "暗号化の区分が種類に合いません（紙は対象外）",
            "the encryption does not fit the kind (paper: not applicable)",
        )
    label = label.strip()
    if not label or len(label) > 100:
        raise InvalidPlace("名称・管理番号は1〜100文字", "label: 1–100 characters")
    without_number(label, "名称・管理番号", "label")
    note = optional_without_number(note.strip() if note else None, "備考", "note") or None
    owner = _member(session, context, owner_login)
    area = _area(session, context, area_id) if area_id is not None else None
    if device_id is None:
        if status not in EDITABLE_STATUSES:
            raise InvalidPlace("状態が不正です", "invalid status")
        row = Device(organisation_id=context.organisation_id, created_by=context.actor_id,
                     status=status)  # fmt: skip
        session.add(row)
        action = AuditAction.DEVICE_CREATE
    else:
        row = _device(session, context, device_id)
        if row.status == "disposed":
            raise DeviceDisposed()
        if status != row.status and (status not in EDITABLE_STATUSES or row.status == "taken_out"):
            raise InvalidPlace(
                "持出し・廃棄の状態は持出し・廃棄の記録で変わります",
                "taken out and disposed of follow from the take-out and disposal records",
            )
        row.status = status
        row.updated_at = utcnow()
        action = AuditAction.DEVICE_UPDATE
    row.kind, row.label, row.owner_id, row.encryption = kind, label, owner.id, encryption
    row.area_id, row.note = (area.id if area else None), note
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise InvalidPlace("同じ名称・管理番号があります", "that label exists") from None
    audit.record(
        session, context, action,
        details={"device": str(row.id), "kind": kind, "label": label, "owner": str(owner.id),
                 "area": str(area.id) if area else None, "encryption": encryption,
                 "status": row.status},
    )  # fmt: skip
    return row


# -- take-outs ---------------------------------------------------------------------------


def _takeout(session: Session, context: Context, takeout_id: uuid.UUID) -> MediaTakeout:
    row = session.get(MediaTakeout, takeout_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PlaceNotFound(f"持出し {takeout_id}", f"take-out {takeout_id}")
    return row


def request_takeout(
    session: Session,
    context: Context,
    *,
    device_id: uuid.UUID,
    purpose: str,
    destination: str,
    safeguards: Sequence[str],
    due_back: date | None = None,
) -> MediaTakeout:
    authorize(session, context, Permission.MEDIA_TAKEOUT_REQUEST, organisation_resource(context))
    device = _device(session, context, device_id)
    if device.status not in ("in_use", "stored"):
        raise TakeoutRefused(
            f"この機器は「{STATUSES[device.status][0]}」です",
            f"the device is {STATUSES[device.status][1]}",
        )
    open_one = session.scalar(
        select(MediaTakeout.id).where(
            MediaTakeout.device_id == device.id, MediaTakeout.state.in_(OPEN_TAKEOUTS)
        )
    )
    if open_one is not None:
        raise TakeoutRefused("申請中・持出し中の記録があります", "a take-out is already open")
    purpose, destination = purpose.strip(), destination.strip()
    if not purpose or not destination or len(destination) > 200 or len(purpose) > 2000:
        raise InvalidPlace("目的と持出し先は必須です", "purpose and destination are required")
    without_number(purpose, "目的", "purpose")
    without_number(destination, "持出し先", "destination")
    chosen = [k for k in SAFEGUARDS if k in set(safeguards)]
    if set(safeguards) - set(SAFEGUARDS):
        raise InvalidPlace("不明な安全策があります", "unknown safeguard")
    if not chosen:
        # 別添1 2E c: carrying SPI needs a safe way (encryption, sealing, …): at least one.
        raise InvalidPlace("安全策を1つ以上選んでください", "choose at least one safeguard")
    today = utcnow().astimezone(zone_of(session, context.organisation_id)).date()
    if due_back is not None and not today <= due_back <= today + timedelta(days=366):
        raise InvalidPlace("返却予定日が範囲外です", "the return date is out of range")
    row = MediaTakeout(
        organisation_id=context.organisation_id, device_id=device.id, state="requested",
        purpose=purpose, destination=destination, safeguards=chosen, due_back=due_back,
        requested_by=context.actor_id, requested_at=utcnow(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.MEDIA_TAKEOUT_REQUEST,
        details={"takeout": str(row.id), "device": str(device.id), "safeguards": chosen,
                 "due_back": due_back.isoformat() if due_back else None},
    )  # fmt: skip
    return row


def decide_takeout(
    session: Session, context: Context, *, takeout_id: uuid.UUID, approve: bool
) -> MediaTakeout:
    """A manager other than the asker approves (the medium is then out) or refuses."""
    authorize(session, context, Permission.MEDIA_TAKEOUT_APPROVE, organisation_resource(context))
    row = _takeout(session, context, takeout_id)
    if row.state != "requested":
        raise TakeoutRefused("申請中ではありません", "not awaiting a decision")
    if row.requested_by == context.actor_id:
        # 事業者編 別添1 2C a 確認体制: the one who asks does not approve (two people).
        raise TakeoutRefused("申請者本人は承認できません", "the asker cannot decide their own")
    device = _device(session, context, row.device_id)
    if approve and device.status not in ("in_use", "stored"):
        raise TakeoutRefused(
            f"この機器は「{STATUSES[device.status][0]}」です",
            f"the device is {STATUSES[device.status][1]}",
        )
    row.state = "approved" if approve else "refused"
    row.decided_by, row.decided_at = context.actor_id, utcnow()
    if approve:
        row.status_before, device.status = device.status, "taken_out"
        device.updated_at = utcnow()
    session.flush()
    audit.record(
        session, context,
        AuditAction.MEDIA_TAKEOUT_APPROVE if approve else AuditAction.MEDIA_TAKEOUT_REFUSE,
        details={"takeout": str(row.id), "device": str(device.id),
                 "requested_by": str(row.requested_by)},
    )  # fmt: skip
    return row


def return_takeout(session: Session, context: Context, *, takeout_id: uuid.UUID) -> MediaTakeout:
    """A manager records the medium back (and who received it)."""
    authorize(session, context, Permission.MEDIA_TAKEOUT_APPROVE, organisation_resource(context))
    row = _takeout(session, context, takeout_id)
    if row.state != "approved":
        raise TakeoutRefused("持出し中ではありません", "not taken out")
    device = _device(session, context, row.device_id)
    row.state, row.returned_at, row.returned_to = "returned", utcnow(), context.actor_id
    device.status, device.updated_at = row.status_before or "in_use", utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.MEDIA_TAKEOUT_RETURN,
        details={"takeout": str(row.id), "device": str(device.id)},
    )  # fmt: skip
    return row


def list_takeouts(session: Session, context: Context) -> list[MediaTakeout]:
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(MediaTakeout)
            .where(MediaTakeout.organisation_id == context.organisation_id)
            .order_by(MediaTakeout.requested_at.desc())
        )
    )


# -- disposal ----------------------------------------------------------------------------


def dispose_device(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    device_id: uuid.UUID,
    method: str,
    performed_on: date,
    performed_by_login: str,
    contractor_name: str | None = None,
    certificate: bytes | None = None,
    note: str | None = None,
) -> DeviceDisposal:
    authorize(session, context, Permission.DEVICE_DISPOSE, organisation_resource(context))
    device = _device(session, context, device_id)
    if device.status == "disposed":
        raise DeviceDisposed()
    if device.status == "taken_out":
        raise TakeoutRefused("持出し中の機器は返却後に廃棄します", "return it before disposal")
    allowed = PAPER_METHODS if device.kind in PAPER else DEVICE_METHODS
    if method not in allowed:
        raise InvalidPlace(
            "この種類に使えない廃棄方法です"
            "（紙: 細断・焼却・溶解・マスキング、機器: 削除ソフト・物理的破壊）",
            "a method not for this kind "
            "(paper: shred, burn, dissolve, mask; devices: erase, destroy)",
        )
    contractor_name = (contractor_name or "").strip() or None
    if (method == "contractor") != (contractor_name is not None) or (
        method == "contractor" and not certificate
    ):
        raise InvalidPlace(
            "委託先による廃棄は委託先名と証明書が必要です（事業者編 別添1 2E d）",
            "a contractor's disposal needs the contractor and its certificate (別添1 2E d)",
        )
    if contractor_name is not None:
        without_number(contractor_name, "委託先名", "contractor")
    today = utcnow().astimezone(zone_of(session, context.organisation_id)).date()
    if performed_on > today:
        raise InvalidPlace("実施日が未来です", "performed in the future")
    performer = _member(session, context, performed_by_login)
    note = optional_without_number(note.strip() if note else None, "備考", "note") or None
    row = DeviceDisposal(
        organisation_id=context.organisation_id, device_id=device.id, method=method,
        performed_on=performed_on, performed_by=performer.id, contractor_name=contractor_name,
        note=note, recorded_by=context.actor_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if certificate:
        # 別添1 2E d: the contractor's certificate, sealed like every uploaded file.
        sealed = attachments.store(
            session, envelope, context, owner=CERTIFICATE_OWNER, owner_id=row.id,
            filename=f"certificate-{row.id}", data=certificate,
            allowed=attachments.IMAGES_AND_PDF,
        )  # fmt: skip
        row.certificate_id, row.certificate_sha256 = sealed.id, sealed.sha256
    device.status, device.updated_at = "disposed", utcnow()
    session.flush()
    audit.record(
        session, context, AuditAction.DEVICE_DISPOSE,
        details={"device": str(device.id), "disposal": str(row.id), "method": method,
                 "performed_on": performed_on.isoformat(), "performed_by": str(performer.id),
                 "contractor": contractor_name, "certificate": str(row.certificate_id),
                 "sha256": row.certificate_sha256},
    )  # fmt: skip
    return row


def certificate(
    session: Session, envelope: Envelope, context: Context, *, disposal_id: uuid.UUID
) -> tuple[Attachment, bytes]:
    """The contractor's certificate, opened and checked against its hash; the read is audited."""
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    row = session.get(DeviceDisposal, disposal_id)
    if row is None or row.organisation_id != context.organisation_id or not row.certificate_id:
        raise PlaceNotFound("証明書", "certificate")
    found, data = attachments.open(
        session, envelope, context, row.certificate_id, owner=CERTIFICATE_OWNER
    )
    audit.record(
        session, context, AuditAction.DEVICE_CERTIFICATE_READ,
        details={"disposal": str(row.id), "attachment": str(found.id), "sha256": found.sha256},
    )  # fmt: skip
    return found, data


def disposals(session: Session, context: Context) -> list[DeviceDisposal]:
    authorize(session, context, Permission.DEVICE_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(DeviceDisposal)
            .where(DeviceDisposal.organisation_id == context.organisation_id)
            .order_by(DeviceDisposal.performed_on.desc())
        )
    )
