"""Issue #16 "Devices, media and paper": the register (owner, place, encryption, status),
take-out of a medium or paper approved by a manager other than the asker and returned
(別添1 2E c), disposal with a method fit for the medium and a contractor's sealed
certificate (2E d), the compliance state of 2E a–d from these records, and no number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.attachments.models import Attachment
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.state import State
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.places import services as places
from mnvault.places.errors import DeviceDisposed, InvalidPlace, TakeoutRefused
from mnvault.places.models import Device, DeviceDisposal, MediaTakeout
from mnvault.vault.errors import NumberInText
from tests.conftest import World
from tests.support.world import PASSWORD

CERTIFICATE = b"%PDF-1.4\n% disposal certificate\n"


def _device(world: World, kind: str = "usb", label: str = "USB-001") -> object:
    encryption = "not_applicable" if kind in ("paper_file", "cabinet") else "full_disk"
    with unit_of_work(world.sessions) as session:
        return places.save_device(
            session, world.ctx("manager"), kind=kind, label=label,
            owner_login=world.users["clerk"].login, encryption=encryption,
        ).id  # fmt: skip


def _request(world: World, device_id: object, who: str = "clerk") -> object:
    with unit_of_work(world.sessions) as session:
        return places.request_takeout(
            session, world.ctx(who), device_id=device_id, purpose="税務署への提出",  # type: ignore[arg-type]
            destination="所轄税務署", safeguards=["encrypted", "locked_case"],
            due_back=utcnow().date() + timedelta(days=1),
        ).id  # fmt: skip


def _second_manager(world: World) -> None:
    with unit_of_work(world.sessions) as session:
        user = access.create_user(
            session, None, home_organisation_id=world.org.id, login="manager-two",
            display_name="manager2", password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=user, organisation_id=world.org.id, role=Role.MANAGER)
        world.users["manager2"] = user


def _status(world: World, device_id: object) -> str:
    with world.sessions() as session:
        row = session.get(Device, device_id)
        assert row is not None
        return row.status


def test_takeout_is_approved_by_a_manager_other_than_the_asker_then_returned(
    world: World,
) -> None:
    device_id = _device(world)
    takeout_id = _request(world, device_id, who="manager")
    with pytest.raises(TakeoutRefused), unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("manager"), takeout_id=takeout_id, approve=True)  # type: ignore[arg-type]
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("clerk2"), takeout_id=takeout_id, approve=True)  # type: ignore[arg-type]
    with pytest.raises(TakeoutRefused), unit_of_work(world.sessions) as session:
        places.return_takeout(session, world.ctx("manager"), takeout_id=takeout_id)  # type: ignore[arg-type]
    _second_manager(world)
    with unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("manager2"), takeout_id=takeout_id, approve=False)  # type: ignore[arg-type]
    assert _status(world, device_id) == "in_use"

    takeout_id = _request(world, device_id)
    with pytest.raises(TakeoutRefused), unit_of_work(world.sessions) as session:
        _request(world, device_id, who="clerk2")  # one open take-out per medium
    with unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("manager"), takeout_id=takeout_id, approve=True)  # type: ignore[arg-type]
    assert _status(world, device_id) == "taken_out"
    with pytest.raises(TakeoutRefused), unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=device_id,  # type: ignore[arg-type]
            method="physical_destruction", performed_on=utcnow().date(),
            performed_by_login=world.users["manager"].login,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        places.return_takeout(session, world.ctx("manager"), takeout_id=takeout_id)  # type: ignore[arg-type]
    assert _status(world, device_id) == "in_use"
    with world.sessions() as session:
        row = session.get(MediaTakeout, takeout_id)
        assert row is not None and row.state == "returned" and row.returned_at is not None
        assert row.decided_by == world.users["manager"].id
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {
        AuditAction.MEDIA_TAKEOUT_REQUEST, AuditAction.MEDIA_TAKEOUT_APPROVE,
        AuditAction.MEDIA_TAKEOUT_REFUSE, AuditAction.MEDIA_TAKEOUT_RETURN,
    } <= actions  # fmt: skip


def test_a_takeout_needs_a_safeguard(world: World) -> None:
    device_id = _device(world)
    with pytest.raises(InvalidPlace), unit_of_work(world.sessions) as session:
        places.request_takeout(
            session, world.ctx("clerk"), device_id=device_id, purpose="提出",  # type: ignore[arg-type]
            destination="税務署", safeguards=[],
        )  # fmt: skip


def test_disposal_method_fits_the_medium_and_a_contractor_needs_a_sealed_certificate(
    world: World,
) -> None:
    paper = _device(world, "paper_file", "扶養控除申告書綴 2019")
    usb = _device(world, "usb", "USB-002")
    today = utcnow().date()
    manager = world.users["manager"].login
    with pytest.raises(InvalidPlace), unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=paper,  # type: ignore[arg-type]
            method="erasure_software", performed_on=today, performed_by_login=manager,
        )  # fmt: skip
    with pytest.raises(InvalidPlace), unit_of_work(world.sessions) as session:
        places.dispose_device(  # a contractor without its certificate
            session, world.envelope, world.ctx("manager"), device_id=usb,  # type: ignore[arg-type]
            method="contractor", contractor_name="株式会社廃棄", performed_on=today,
            performed_by_login=manager,
        )  # fmt: skip
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("clerk"), device_id=paper,  # type: ignore[arg-type]
            method="shredder", performed_on=today, performed_by_login=manager,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=paper,  # type: ignore[arg-type]
            method="shredder", performed_on=today, performed_by_login=world.users["clerk"].login,
        )  # fmt: skip
        done = places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=usb,  # type: ignore[arg-type]
            method="contractor", contractor_name="株式会社廃棄", certificate=CERTIFICATE,
            performed_on=today - timedelta(days=1), performed_by_login=manager,
        )  # fmt: skip
    assert _status(world, paper) == "disposed" and _status(world, usb) == "disposed"
    with world.sessions() as session:
        stored = session.get(DeviceDisposal, done.id)
        assert stored is not None and stored.certificate_id is not None
        sealed = session.get(Attachment, stored.certificate_id)
        assert sealed is not None and CERTIFICATE not in sealed.ciphertext
        assert sealed.owner == "device_disposal" and sealed.owner_id == done.id
    with unit_of_work(world.sessions) as session:
        _row, data = places.certificate(
            session, world.envelope, world.ctx("auditor"), disposal_id=done.id
        )
    assert data == CERTIFICATE
    with pytest.raises(DeviceDisposed), unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=paper,  # type: ignore[arg-type]
            method="shredder", performed_on=today, performed_by_login=manager,
        )  # fmt: skip
    with pytest.raises(TakeoutRefused), unit_of_work(world.sessions) as session:
        _request(world, usb)


def test_compliance_state_of_2e_follows_the_records(world: World) -> None:
    def states(now: object = None) -> dict[str, State]:
        with unit_of_work(world.sessions) as session:
            report = compliance.status(session, world.ctx("manager"), now=now)  # type: ignore[arg-type]
        return {m.measure.id: m.state for m in report.measures}

    before = states()
    assert before["J-2Ea"] is State.OPEN and before["J-2Ec"] is State.OPEN
    with unit_of_work(world.sessions) as session:
        places.save_area(
            session, world.ctx("manager"), name="サーバ室", kind="controlled", location="B1",
            measures=["entry_control", "locked_storage"],
        )  # fmt: skip
    device_id = _device(world)
    takeout_id = _request(world, device_id)
    with unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("manager"), takeout_id=takeout_id, approve=True)  # type: ignore[arg-type]
    now = states()
    for measure in ("J-2Ea", "J-2Ea.1", "J-2Eb", "J-2Eb.1", "J-2Ec", "J-2Ec.1"):
        assert now[measure] is State.EVIDENCED, measure
    assert now["J-2Ea.2"] is State.OPEN  # no partition or screen ticked
    # Out past its return date and not returned: the take-out measure turns overdue.
    late = states(utcnow() + timedelta(days=5))
    assert late["J-2Ec"] is State.OVERDUE and late["J-2Ea"] is State.EVIDENCED
    with unit_of_work(world.sessions) as session:
        places.return_takeout(session, world.ctx("manager"), takeout_id=takeout_id)  # type: ignore[arg-type]
    assert states(utcnow() + timedelta(days=5))["J-2Ec"] is State.EVIDENCED
    with unit_of_work(world.sessions) as session:
        compliance.set_setting(
            session, world.ctx("manager"), measure_id="J-2Ea", interval_days=365, owner_role=None
        )
    assert states(utcnow() + timedelta(days=400))["J-2Ea"] is State.OVERDUE
    paper = _device(world, "paper_file", "源泉徴収簿 2018")
    with unit_of_work(world.sessions) as session:
        places.dispose_device(
            session, world.envelope, world.ctx("manager"), device_id=paper,  # type: ignore[arg-type]
            method="incineration", performed_on=utcnow().date(),
            performed_by_login=world.users["manager"].login,
        )  # fmt: skip
    after = states()
    assert after["J-2Ed.4"] is State.EVIDENCED and after["J-2Ed.5"] is State.OPEN


def test_no_number_in_any_device_or_takeout_field(world: World, synthetic_number: str) -> None:
    number = str(synthetic_number)
    forms = (
        number,
        f"{number[:4]}-{number[4:8]}-{number[8:]}",
        f"{number[:4]} {number[4:8]} {number[8:]}",
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    device_id = _device(world)
    for typed in forms:
        for field in ("label", "note"):
            values = {"label": "PC-9", "note": None} | {field: f"番号 {typed}"}
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                places.save_device(
                    session, world.ctx("manager"), kind="pc", encryption="full_disk",
                    owner_login=world.users["clerk"].login, **values,  # type: ignore[arg-type]
                )  # fmt: skip
        for field in ("purpose", "destination"):
            texts = {"purpose": "提出", "destination": "税務署"} | {field: f"宛 {typed}"}
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                places.request_takeout(
                    session, world.ctx("clerk"), device_id=device_id,  # type: ignore[arg-type]
                    safeguards=["sealed"], **texts,
                )  # fmt: skip
        paper = _device(world, "paper_file", f"綴 {forms.index(typed)}")
        for field in ("contractor_name", "note"):
            values = {"contractor_name": "株式会社廃棄", "note": None} | {field: f"x {typed}"}
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                places.dispose_device(
                    session, world.envelope, world.ctx("manager"), device_id=paper,  # type: ignore[arg-type]
                    method="contractor", certificate=CERTIFICATE, performed_on=utcnow().date(),
                    performed_by_login=world.users["manager"].login, **values,  # type: ignore[arg-type]
                )  # fmt: skip
        with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
            places.save_mapping(
                session, world.ctx("manager"), name="leaky",
                spec={"time": f"t{typed}", "user": "u", "direction": "d", "in": ["i"],
                      "out": ["o"]},
            )  # fmt: skip
    with world.sessions() as session:
        details = [str(d) for d in session.scalars(select(AuditEntry.details))]
        labels = list(session.scalars(select(Device.label)))
    for typed in forms:
        assert not any(typed in text for text in details + labels)


def test_attention_lists_takeouts_awaiting_a_decision_and_overdue_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's items (managers): an asked take-out, then one out past its date."""
    from mnvault.places import services as places_services

    takeout_id = _request(world, _device(world))
    with unit_of_work(world.sessions) as session:
        items = places.attention(session, world.ctx("manager"))
    assert [(i.title_en, i.overdue) for i in items] == [("media take-out awaiting approval", False)]
    _second_manager(world)
    with unit_of_work(world.sessions) as session:
        places.decide_takeout(session, world.ctx("manager2"), takeout_id=takeout_id, approve=True)  # type: ignore[arg-type]
    later = utcnow() + timedelta(days=5)
    monkeypatch.setattr(places_services, "utcnow", lambda: later)
    with unit_of_work(world.sessions) as session:
        items = places.attention(session, world.ctx("manager"))
    assert [(i.title_en, i.overdue) for i in items] == [("take-out past its return date", True)]
