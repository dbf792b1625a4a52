"""Issue #16 "Areas and entry logs": the area register (measures, networks linked to the
access conditions) and the import of access-control CSV exports: a documented mapping per
system, line-numbered errors, UTF-8 with BOM and cp932, all lines or none, per area."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.places import mapping as columns
from mnvault.places import services as places
from mnvault.places.errors import EntryLogRejected, InvalidMapping, InvalidPlace
from mnvault.places.models import AreaEntry
from mnvault.vault.errors import NumberInText
from tests.conftest import World

TOKYO = ZoneInfo("Asia/Tokyo")


def _area(world: World, kind: str = "handling", name: str = "人事部 執務室") -> object:
    with unit_of_work(world.sessions) as session:
        row = places.save_area(
            session, world.ctx("manager"), name=name, kind=kind, location="本社3階",
            measures=["entry_control", "screening"], networks=["10.0.3.0/24"],
        )  # fmt: skip
        return row.id


def test_builtin_mapping_reads_cp932_and_utf8_bom_alike() -> None:
    text = (
        "日時,社員コード,扉,入退\r\n"
        "2026/12/01 09:00:00,alice,3F東,入室\r\n"
        "2026/12/01 18:00,alice,3F東,退室\r\n"
    )
    for data in (text.encode("cp932"), ("\ufeff" + text).encode("utf-8"), text.encode("utf-8")):
        lines = columns.parse(data, columns.BUILT_IN["generic_ja"], TOKYO)
        assert [(x.line, x.direction, x.badge, x.door) for x in lines] == [
            (2, "in", "alice", "3F東"),
            (3, "out", "alice", "3F東"),
        ]
        assert lines[0].at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 JST


def test_custom_mapping_with_date_and_time_columns_and_skipped_values() -> None:
    mapping = columns.from_spec(
        {"date": "Date", "clock": "Time", "user": "Card holder", "direction": "Event",
         "in": ["Access granted IN"], "out": ["Access granted OUT"], "skip": ["Door forced"],
         "formats": ["%d.%m.%Y %H:%M"]}
    )  # fmt: skip
    data = (
        b"Date,Time,Card holder,Event\n"
        b"01.12.2026,08:30,bob,Access granted IN\n"
        b"01.12.2026,08:31,bob,Door forced\n"
        b"01.12.2026,17:45,bob,Access granted OUT\n"
    )
    lines = columns.parse(data, mapping, TOKYO)
    assert [(x.line, x.direction) for x in lines] == [(2, "in"), (4, "out")]
    with pytest.raises(InvalidMapping):
        columns.from_spec({"time": "t", "date": "d", "clock": "c", "user": "u",
                           "direction": "x", "in": ["1"], "out": ["2"]})  # fmt: skip
    with pytest.raises(InvalidMapping):
        columns.from_spec({"time": "t", "user": "u", "direction": "x", "in": ["1"], "out": ["1"]})


def test_bad_lines_are_named_by_line_number_and_nothing_is_kept(synthetic_number: str) -> None:
    data = (
        "time,user,door,direction\n"
        "2026-12-01 09:00,alice,A,in\n"
        "not a time,alice,A,in\n"
        "2026-12-01 10:00,alice,A,sideways\n"
        "\n"
        "2026-12-01 11:00,alice\n"
        f"2026-12-01 12:00,{synthetic_number},A,in\n"
    ).encode()
    with pytest.raises(EntryLogRejected) as caught:
        columns.parse(data, columns.BUILT_IN["generic"], TOKYO)
    assert [line for line, _ja, _en in caught.value.problems] == [3, 4, 6, 7]
    assert "line 3" in caught.value.detail_en and "3行目" in caught.value.detail_ja
    with pytest.raises(EntryLogRejected) as caught:
        columns.parse(b"when,who\n", columns.BUILT_IN["generic"], TOKYO)
    assert caught.value.problems[0][0] == 1  # the header lacks the mapping's columns
    with pytest.raises(EntryLogRejected):
        columns.parse(b"\xff\xfe\x00\x81", columns.BUILT_IN["generic"], TOKYO)


def test_import_is_per_area_all_or_nothing_and_matches_logins(world: World) -> None:
    area_id = _area(world)
    clerk = world.users["clerk"].login
    good = (
        "time,user,door,direction\n"
        f"2026-12-01 09:00,{clerk},A,in\n"
        "2026-12-01 09:05,visitor-7,A,in\n"
    )
    with unit_of_work(world.sessions) as session:
        row = places.import_entries(
            session, world.ctx("admin"), area_id=area_id, filename="gate.csv", data=good.encode()
        )
        assert row.rows == 2
    with unit_of_work(world.sessions) as session:
        entries = places.entries_of(session, world.ctx("auditor"), area_id)
        by_badge = {e.badge: e.user_id for e in entries}
        assert by_badge == {clerk: world.users["clerk"].id, "visitor-7": None}
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == AuditAction.AREA_ENTRIES_IMPORT
            )
        )  # fmt: skip
        assert audited == 1
    bad = good.replace("09:05", "99:99").replace(",A,in\n2026", ",A,in\n2026", 1) + "x,y,z,in\n"
    with pytest.raises(EntryLogRejected), unit_of_work(world.sessions) as session:
        places.import_entries(
            session, world.ctx("admin"), area_id=area_id, filename="b.csv", data=bad.encode()
        )
    with pytest.raises(InvalidPlace), unit_of_work(world.sessions) as session:
        places.import_entries(  # the same file twice
            session, world.ctx("admin"), area_id=area_id, filename="g.csv", data=good.encode()
        )
    with unit_of_work(world.sessions) as session:
        assert session.scalar(select(func.count()).select_from(AreaEntry)) == 2
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        places.import_entries(
            session, world.ctx("clerk"), area_id=area_id, filename="c.csv", data=good.encode()
        )


def test_saved_mapping_is_used_by_name(world: World) -> None:
    area_id = _area(world)
    with unit_of_work(world.sessions) as session:
        places.save_mapping(
            session, world.ctx("admin"), name="our-gate",
            spec={"time": "通過日時", "user": "ID", "direction": "種別",
                  "in": ["IN"], "out": ["OUT"]},
        )  # fmt: skip
    data = "通過日時,ID,種別\n2026/12/01 09:00:00,x1,IN\n".encode("cp932")
    with unit_of_work(world.sessions) as session:
        row = places.import_entries(
            session, world.ctx("admin"), area_id=area_id, filename="g.csv", data=data,
            mapping="our-gate",
        )  # fmt: skip
        assert row.rows == 1 and row.mapping == "our-gate"


def test_area_register_measures_networks_and_no_number(world: World, synthetic_number: str) -> None:
    area_id = _area(world)
    with unit_of_work(world.sessions) as session:
        access.set_conditions(session, world.ctx("admin"), networks=["10.0.0.0/16"])
    with unit_of_work(world.sessions) as session:
        area = places.get_area(session, world.ctx("clerk"), area_id)
        assert area.measures == ["entry_control", "screening"]
        links = places.network_links(session, world.ctx("clerk"), area)
        assert [(n.network, n.enforced) for n in links] == [("10.0.3.0/24", True)]
    number = str(synthetic_number)
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for typed in (number, grouped, full_width, f"{number[:4]} {number[4:8]} {number[8:]}"):
        for field in ("name", "location", "note"):
            values = {"name": "会議室", "location": "2階", "note": None} | {field: f"メモ {typed}"}
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                places.save_area(session, world.ctx("manager"), kind="controlled", **values)  # type: ignore[arg-type]
    with pytest.raises(InvalidPlace), unit_of_work(world.sessions) as session:
        places.save_area(
            session, world.ctx("manager"), name="x", kind="handling", location="y",
            measures=["teleportation"],
        )  # fmt: skip
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        places.save_area(session, world.ctx("clerk"), name="x", kind="handling", location="y")
