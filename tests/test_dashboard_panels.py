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
    assert "期限切れ" in listed.group(1) and "2020-01-01" in listed.group(1)
    assert listed.group(1).index("規程の見直し") < listed.group(1).index("研修の実施")
    clerk = web.browser().sign_in("clerk")
    assert 'id="attention"' not in clerk.text


def test_the_dashboard_lives_in_its_own_package():
    """web/ is the frame: the board and its template moved to mnvault.dashboard."""
    import importlib.util

    assert importlib.util.find_spec("mnvault.web.dashboard") is None
    assert importlib.util.find_spec("mnvault.dashboard.services") is not None
    assert importlib.util.find_spec("mnvault.dashboard.views") is not None
