"""The dashboard is a package of its own and a registry (issue #12, "Faces"): a record
package registers what needs attention, the board shows it to the roles it names, and
the dashboard imports no record package."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session

from mnvault.context import Context
from mnvault.dashboard import panels
from mnvault.db.engine import unit_of_work
from tests.conftest import World
from tests.web_support import Web, web

__all__ = ["web"]


@dataclass(frozen=True)
class Due:
    """A record package's own item: only its members matter, not its class."""

    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


def _items(_session: Session, _context: Context) -> list[Due]:
    return [
        Due("研修の実施", "Training", date(2030, 4, 1), "/training", overdue=False),
        Due("規程の見直し", "Policy review", date(2020, 1, 1), "/policies/1", overdue=True),
        Due("点検", "Inspection", None, "/inspections", overdue=False),
    ]


@pytest.fixture
def registered() -> Iterator[None]:
    panels.register("test-records", {"manager"}, _items)
    yield
    panels.unregister("test-records")


def test_a_registered_panel_answers_overdue_first_for_its_roles(world: World, registered: None):
    with unit_of_work(world.sessions) as session:
        shown = panels.attention(session, world.ctx("manager"), {"manager"})
        hidden = panels.attention(session, world.ctx("clerk"), {"clerk"})
    mine = [a for a in shown if a.source == "test-records"]
    assert [a.title_en for a in mine] == ["Policy review", "Training", "Inspection"]
    assert mine[0].overdue and mine[0].link == "/policies/1"
    assert not [a for a in hidden if a.source == "test-records"]


def test_panels_are_found_by_package_name():
    """A package's ``dashboard.py`` is found as compliance finds ``evidence.py``: by name,
    with no central list (none exists yet, so the list is only well formed)."""
    found = panels.panel_modules()
    assert all(re.fullmatch(r"mnvault\.[a-z_]+\.dashboard", name) for name in found)
    panels.discover()  # importing them all registers without error


def test_the_board_shows_registered_items_to_the_roles_named(web: Web, registered: None):
    manager = web.browser().sign_in("manager")
    listed = re.search(r'<ul id="attention">(.*?)</ul>', manager.text, re.S)
    assert listed, manager.text
    assert '<a href="/policies/1">規程の見直し</a>' in listed.group(1)
    assert "期限切れ" in listed.group(1) and "2020/01/01" in listed.group(1)
    assert listed.group(1).index("規程の見直し") < listed.group(1).index("研修の実施")
    clerk = web.browser().sign_in("clerk")
    assert 'id="attention"' not in clerk.text


def test_the_dashboard_lives_in_its_own_package():
    """web/ is the frame: the board and its template moved to mnvault.dashboard."""
    import importlib.util

    assert importlib.util.find_spec("mnvault.web.dashboard") is None
    assert importlib.util.find_spec("mnvault.dashboard.services") is not None
    assert importlib.util.find_spec("mnvault.dashboard.views") is not None


# Each role's sections, by the id of their heading (as before the dashboard was a registry).
SECTIONS = {
    "clerk": {"my-affairs", "awaiting", "recent"},
    "manager": {"approvals", "falling-due", "compliance-h", "denials", "recent"},
    "auditor": {"trail", "latest-reports", "recent"},
    "admin": {"users", "keys-summary", "recent"},
}
EVERY = set().union(*SECTIONS.values())


@pytest.mark.parametrize("role", sorted(SECTIONS))
def test_every_role_sees_its_sections_and_no_other(web: Web, role: str):
    board = web.browser().sign_in(role)
    assert board.status_code == 200
    shown = set(re.findall(r'<h2 id="([a-z-]+)"', board.text))
    assert shown & EVERY == SECTIONS[role], board.text


def test_the_dashboard_imports_no_domain_package():
    """Its sections come from the packages' dashboard.py modules (panels.section)."""
    from tests.test_faces import DOMAINS, SOURCE, _imports

    for path in (SOURCE / "dashboard").glob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            assert len(parts) < 2 or parts[1] == "dashboard" or parts[1] not in DOMAINS, (
                path.name,
                module,
            )
