"""Departments and the SPI file register (seed 図表2-1 (3)③ 取扱状況を確認する手段)."""

from __future__ import annotations

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.db.engine import unit_of_work
from mnvault.orgs import services as orgs
from mnvault.vault.errors import InvalidInput, UnknownAffair
from tests.conftest import World


def test_admin_registers_departments_and_spi_files(world: World):
    with unit_of_work(world.sessions) as session:
        orgs.create_department(session, world.ctx("admin"), code="HR", name="人事部")
        orgs.register_spi_file(
            session, world.ctx("admin"), name="従業員番号台帳", purpose="源泉徴収票の作成",
            affair_codes=["withholding_slip", "dependent_deduction_declaration"],
            department_code="HR",
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        register = orgs.spi_file_register(session, world.ctx("auditor"))
    assert [(f.name, f.affair_codes) for f in register] == [
        ("従業員番号台帳", ["dependent_deduction_declaration", "withholding_slip"])
    ]
    # Another organisation's register is its own.
    with unit_of_work(world.sessions) as session:
        assert orgs.spi_file_register(session, world.ctx("admin", org=world.other_org)) == []


@pytest.mark.parametrize("who", ["clerk", "auditor", "manager"])
def test_only_admins_change_the_register(world: World, who: str):
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        orgs.register_spi_file(
            session, world.ctx(who), name="顧客番号台帳", purpose="支払調書",
            affair_codes=["dividend_specified_account_record"],
        )  # fmt: skip


def test_register_refuses_unknown_affairs_and_blank_purpose(world: World):
    with pytest.raises(UnknownAffair), unit_of_work(world.sessions) as session:
        orgs.register_spi_file(
            session, world.ctx("admin"), name="台帳", purpose="目的", affair_codes=["marketing"]
        )
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        orgs.register_spi_file(
            session, world.ctx("admin"), name="台帳", purpose=" ", affair_codes=["withholding_slip"]
        )
