"""The SPI file register completed and the places abroad (issue #16, "SPI file register,
completed" and "Where data is handled (外的環境の把握)").

別添1 2C c: the register names kind, name, purpose, affairs, the responsible person and
department, items, range of persons, collection method (行政機関等編), the access-right holders
(live, from the assignments) and the disposal status (from the disposal records); no number.
別添1 2G: every place abroad with its safeguards and the note on that country's regime.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.affairs.services import get_affair
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.state import State
from mnvault.disposal import batches
from mnvault.orgs import services as orgs
from mnvault.partners import places, spi_register
from mnvault.partners.errors import InvalidPartner
from mnvault.vault.errors import NumberInText
from mnvault.vault.models import SpiFile
from tests.conftest import World
from tests.support.disposal import add_persons

SLIP = "withholding_slip"


def _file(world: World, name: str = "源泉徴収票データ", affairs=(SLIP,)) -> SpiFile:
    with world.sessions() as session:
        row = orgs.register_spi_file(
            session, world.ctx("admin"), name=name, purpose="源泉徴収票の作成",
            affair_codes=list(affairs),
        )  # fmt: skip
        session.commit()
        return row


def _entry(world: World, name: str = "源泉徴収票データ") -> spi_register.Entry:
    with world.sessions() as session:
        (entry,) = [e for e in spi_register.register(session, world.ctx("admin")) if e.name == name]
        return entry


def test_access_holders_are_computed_live_from_assignments(world: World):
    """The holders follow the assignments: an assignment ended or scoped to another file
    drops the clerk from the register at once (no stored list to forget)."""
    target = _file(world)
    other = _file(world, "扶養控除等申告書（紙）")
    holders = {(h.display_name, h.affair_code) for h in _entry(world).holders}
    assert holders == {("clerk", SLIP), ("manager", SLIP)}
    with world.sessions() as session:
        affair = get_affair(session, world.org.id, SLIP)
        clerk = world.users["clerk"]
        access.assign(session, world.ctx("admin"), user=clerk, affair=affair,
                      spi_files=[other.id])  # fmt: skip
        session.commit()
    assert {h.display_name for h in _entry(world).holders} == {"manager"}
    with world.sessions() as session:
        access.assign(session, world.ctx("admin"), user=world.users["clerk"], affair=affair,
                      spi_files=[target.id])  # fmt: skip
        session.commit()
    assert {h.display_name for h in _entry(world).holders} == {"clerk", "manager"}


def test_the_entry_is_completed_with_a_chosen_responsible_person(world: World):
    row = _file(world)
    with world.sessions() as session:
        department = orgs.create_department(session, world.ctx("admin"), code="hr", name="人事部")
        spi_register.describe(
            session, world.ctx("admin"), row.id, kind="paper", form="紙の台帳（キャビネット保管）",
            items=["氏名", "個人番号", "住所"], person_range="従業員及びその扶養親族",
            collection_method="本人からの提出", responsible_user_id=world.users["manager"].id,
            department_id=department.id,
        )  # fmt: skip
        session.commit()
        with pytest.raises(InvalidPartner):  # not a member of this organisation
            spi_register.describe(
                session, world.ctx("admin"), row.id, kind="paper", form=None, items=[],
                person_range=None, collection_method=None,
                responsible_user_id=world.users["outsider"].id, department_id=None,
            )  # fmt: skip
    entry = _entry(world)
    assert (entry.kind, entry.responsible, entry.department) == ("paper", "manager", "人事部")
    assert entry.items == ("氏名", "個人番号", "住所")
    assert entry.disposal == spi_register.Disposal(0, 0, None)
    with world.sessions() as session:
        (update,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.SPI_FILE_UPDATE.value)
        ).all()
        assert update.spi_file_id == row.id
    exported = spi_register.to_csv([entry]).decode("utf-8-sig")
    assert "紙の台帳" in exported and "manager (withholding_slip)" in exported
    assert spi_register.to_xlsx([entry]).startswith(b"PK")


def test_no_number_in_the_register(world: World, synthetic_number: str):
    row = _file(world)
    grouped = f"{synthetic_number[:4]} {synthetic_number[4:8]} {synthetic_number[8:]}"
    full_width = synthetic_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (grouped, full_width, synthetic_number):
        for field in ("form", "person_range", "collection_method", "items"):
            values: dict[str, object] = {"form": None, "person_range": None,
                                         "collection_method": None, "items": []}  # fmt: skip
            values[field] = [typed] if field == "items" else f"メモ {typed}"
            with world.sessions() as session, pytest.raises(NumberInText):
                spi_register.describe(
                    session, world.ctx("admin"), row.id, kind="electronic",
                    responsible_user_id=None, department_id=None, **values,  # type: ignore[arg-type]
                )  # fmt: skip
    exported = spi_register.to_csv(_entry_list(world)).decode("utf-8-sig")
    assert synthetic_number not in exported


def _entry_list(world: World) -> list[spi_register.Entry]:
    with world.sessions() as session:
        return spi_register.register(session, world.ctx("admin"))


def _state(world: World, measure_id: str, now: datetime | None = None) -> State:
    with world.sessions() as session:
        report = compliance.compute(session, world.org.id, now=now)
    (m,) = [m for m in report.measures if m.measure.id == measure_id]
    return m.state


def test_places_abroad_make_the_foreign_environment_measure(world: World):
    """別添1 2G: open with nothing recorded; evidenced by the storage location in Japan or by
    a place abroad reviewed within the year; overdue once that review lapses."""
    assert _state(world, "J-2G") is State.OPEN
    with world.sessions() as session:
        places.set_location(session, world.ctx("admin"), country="jp", place="東京のデータセンター")
        session.commit()
    assert _state(world, "J-2G") is State.EVIDENCED
    reviewed = date.today() - timedelta(days=30)
    with world.sessions() as session:
        with pytest.raises(InvalidPartner):  # the regime note is required
            places.add_place(
                session, world.ctx("manager"), kind="cloud", country="US", place="us-east-1",
                what="バックアップ", safeguards="暗号化", regime_note=" ", reviewed_on=reviewed,
            )  # fmt: skip
        places.add_place(
            session, world.ctx("manager"), kind="cloud", country="US", place="us-east-1",
            what="暗号化済みバックアップ", safeguards="鍵は国内で保管",
            regime_note="CLOUD Act による開示要求の可能性を把握", reviewed_on=reviewed,
        )  # fmt: skip
        session.commit()
        (listed,) = places.places(session, world.ctx("auditor"))
        assert listed.country == "US"
    assert _state(world, "J-2G") is State.EVIDENCED
    later = datetime.now(UTC) + timedelta(days=400)
    assert _state(world, "J-2G", now=later) is State.OVERDUE


def test_a_place_in_japan_is_not_a_place_abroad(world: World):
    with world.sessions() as session, pytest.raises(InvalidPartner):
        places.add_place(
            session, world.ctx("manager"), kind="cloud", country="JP", place="ap-northeast-1",
            what="本番", safeguards="暗号化", regime_note="国内", reviewed_on=date.today(),
        )  # fmt: skip


def test_disposal_status_is_read_from_the_disposal_records(world: World):
    """2C c 削除・廃棄状況: a batch planned for persons of the file's affair shows as pending;
    a file of another affair is untouched."""
    _file(world)
    _file(world, "健康保険データ", affairs=("health_pension_insurance",))
    made = add_persons(world, 2, relationship_end=date(2019, 3, 31))
    with world.sessions() as session:
        batches.plan(
            session, world.ctx("manager"), today=date(2026, 11, 1), reason="保存期間満了",
            person_ids=[made[0][0]], early_reason="試験",
        )  # fmt: skip
        session.commit()
    assert _entry(world).disposal == spi_register.Disposal(0, 1, None)
    assert _entry(world, "健康保険データ").disposal == spi_register.Disposal(0, 0, None)
