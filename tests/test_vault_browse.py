"""The persons list's status filter (issue 6: filters by kind, department and status),
on SQLite and PostgreSQL: what the clerk may read, narrowed by where each person stands."""

from __future__ import annotations

from datetime import date

from mnvault.db.engine import unit_of_work
from mnvault.vault import browse
from mnvault.vault import services as vs
from mnvault.vault.models import LifeStatus, PersonKind
from tests.conftest import World
from tests.disposal_support import add_persons


def test_status_filter_narrows_the_clerks_persons(world: World) -> None:
    add_persons(world, 1, seed=31, prefix="H")
    add_persons(world, 1, seed=32, prefix="R", relationship_end=date(2020, 3, 31))
    add_persons(world, 1, seed=33, prefix="D", life_status=LifeStatus.DECEASED)
    with unit_of_work(world.sessions) as session:
        vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="A1",
            name="試験 未取得",
        )  # fmt: skip

    def refs(status: str) -> set[str]:
        with world.sessions() as session:
            page = browse.search(session, world.ctx("clerk"), browse.Filters(status=status))
            return {row.person.external_ref[0] for row in page.rows}

    assert refs("") == {"H", "R", "D", "A"}
    assert refs("held") == {"H", "R", "D"}
    assert refs("awaiting") == {"A"}
    assert refs("ended") == {"R"}
    assert refs("deceased") == {"D"}
