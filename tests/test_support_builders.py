"""The shared test support (issue #12, "Fast, stable tests"): the builders make what they
say, and the deployments copied per test share nothing with each other."""

from __future__ import annotations

from pathlib import Path

from mnvault.access.models import Role
from mnvault.db.engine import unit_of_work
from mnvault.vault import services as vs
from tests.support import builders
from tests.support.api import open_api
from tests.support.numbers import MaskedStr
from tests.support.world import World


def test_an_acquired_person_reads_back_for_the_affair(world: World, synthetic_number: str):
    made = builders.acquired_person(world, synthetic_number, "B001")
    with unit_of_work(world.sessions) as session:
        got = vs.use(session, world.envelope, world.ctx("clerk", builders.SLIP), person_id=made.id)
    assert MaskedStr(got) == synthetic_number
    assert ("number:acquire", "ok") in builders.audit_actions(world)


def test_a_built_user_holds_the_role_and_the_affairs(world: World, synthetic_number: str):
    builders.user(world, "clerk3", Role.CLERK, [builders.SLIP])
    made = builders.acquired_person(world, synthetic_number, "B002", by="clerk3")
    with unit_of_work(world.sessions) as session:
        got = vs.use(session, world.envelope, world.ctx("clerk3", builders.SLIP), person_id=made.id)
    assert got == synthetic_number


def test_a_built_organisation_is_another_organisation(world: World):
    other = builders.organisation(world, "第三株式会社")
    assert other.id not in {world.org.id, world.other_org.id}
    clerk = builders.user(world, "third-clerk", Role.CLERK, [builders.SLIP], org=other)
    made = builders.person(world, "B003", by="third-clerk", org=other)
    assert clerk.home_organisation_id == other.id
    assert made.organisation_id == other.id


def test_api_deployments_are_copies_that_share_nothing(tmp_path: Path):
    with open_api(tmp_path / "one") as one, open_api(tmp_path / "two") as two:
        token = one.full_session("clerk")
        made = one.client.post(
            "/api/v1/persons", headers={"Authorization": f"Bearer {token}"},
            json={"kind": "employee", "external_ref": "ONLY-IN-ONE", "name": "試験 一郎"},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        listed = two.client.get(
            "/api/v1/persons", headers={"Authorization": f"Bearer {two.full_session('clerk')}"}
        )
        assert "ONLY-IN-ONE" not in listed.text
    assert (tmp_path / "one" / "data").is_dir() and (tmp_path / "two" / "data").is_dir()
