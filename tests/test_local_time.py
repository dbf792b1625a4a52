"""One time zone, one format (issue #18, "One time zone, one format"): every time a person
reads is in the organisation's zone (Asia/Tokyo by default) as ``2026/12/07 10:08``;
stored times stay UTC. Before, the same audit entry read 01:09 UTC on the trail and 10:09
on another page."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mnvault import local_time
from mnvault.access.models import AccessConditions
from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from tests.conftest import MaskedStr
from tests.support.web import Web, acquire_on_screen, register_person, web

__all__ = ["web"]

# (stored instant, zone setting, minutes form, seconds form, day)
CASES = [
    # UTC 01:09 is 10:09 in Tokyo, the same day.
    (datetime(2026, 12, 7, 1, 9, 5, tzinfo=UTC), None, "2026/12/07 10:09",
     "2026/12/07 10:09:05", "2026/12/07"),
    # Across midnight: 15:30 UTC on the 6th is already the 7th in Tokyo.
    (datetime(2026, 12, 6, 15, 30, tzinfo=UTC), "Asia/Tokyo", "2026/12/07 00:30",
     "2026/12/07 00:30:00", "2026/12/07"),
    # Across a year's end.
    (datetime(2026, 12, 31, 20, 0, tzinfo=UTC), "Asia/Tokyo", "2027/01/01 05:00",
     "2027/01/01 05:00:00", "2027/01/01"),
    # Another zone's setting; an instant given in yet another offset.
    (datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), "Europe/London",
     "2026/07/01 11:00", "2026/07/01 11:00:00", "2026/07/01"),
    (datetime(2026, 12, 7, 1, 9, tzinfo=UTC), "UTC", "2026/12/07 01:09",
     "2026/12/07 01:09:00", "2026/12/07"),
    # A zone edited behind the settings' back falls back to Tokyo.
    (datetime(2026, 12, 7, 1, 9, tzinfo=UTC), "Mars/Olympus", "2026/12/07 10:09",
     "2026/12/07 10:09:00", "2026/12/07"),
]  # fmt: skip


@pytest.mark.parametrize(("moment", "zone", "minutes", "seconds", "day"), CASES)
def test_one_format_in_the_organisations_zone(
    moment: datetime, zone: str | None, minutes: str, seconds: str, day: str
) -> None:
    """Issue #18 (one time zone, one format): the helper every page and file uses."""
    assert local_time.shown(moment, zone) == minutes
    assert local_time.shown(moment, zone, seconds=True) == seconds
    assert local_time.day(moment, zone) == day
    wall = local_time.wall(moment, zone)
    assert wall.tzinfo is None and wall.strftime(local_time.SECONDS) == seconds


def test_a_naive_time_is_refused_and_nothing_is_empty() -> None:
    """Issue #18: a time without a zone could be UTC or local, so it is never shown."""
    with pytest.raises(local_time.NaiveTime):
        local_time.shown(datetime(2026, 12, 7, 1, 9))
    with pytest.raises(local_time.NaiveTime):
        local_time.day(datetime(2026, 12, 7, 1, 9))
    assert local_time.shown(None) == "" and local_time.day(None) == ""
    assert local_time.day(date(2026, 4, 1)) == "2026/04/01"  # a date is a date anywhere
    assert local_time.zone(ZoneInfo("UTC")).key == "UTC"
    # The keyring's status keeps ISO text with its offset; text without one is refused too.
    assert local_time.shown("2026-12-06T15:30:00+00:00") == "2026/12/07 00:30"
    with pytest.raises(local_time.NaiveTime):
        local_time.shown("2026-12-06T15:30:00")


OTHER_FORMS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\bUTC\b")


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_pages_and_downloads_show_an_entry_at_one_local_time(web: Web) -> None:
    """Issue #18: the acquisition's audit entry reads the same Tokyo time on the clerk's
    person page, the auditor's dashboard, trail and entry page and the audit question's
    CSV; no page shows a time as UTC or in another format. With the organisation's zone
    set to UTC the same pages follow the setting."""
    clerk, auditor = web.browser(), web.browser()
    clerk.sign_in("clerk")
    auditor.sign_in("auditor")
    person_id = register_person(clerk, "E-TZ-1")
    acquire_on_screen(clerk, person_id, MaskedStr(generate_my_number(random.Random(18))))
    with web.api.vault.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "number:acquire")
            .order_by(AuditEntry.seq.desc()).limit(1)
        ).one()  # fmt: skip
        seq, at = entry.seq, entry.occurred_at
    tokyo = local_time.shown(at, "Asia/Tokyo")

    pages = {
        "person": clerk.get(f"/persons/{person_id}"),
        "dashboard": auditor.get("/"),
        "trail": auditor.get("/audit"),
        "entry": auditor.get(f"/audit/entries/{seq}"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        text = _visible(page.text)
        assert tokyo in text, name
        assert not OTHER_FORMS.search(text), (name, OTHER_FORMS.search(text))

    form = auditor.get("/audit/questions").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    download = auditor.client.post(
        "/audit/questions/person-usage",
        data={"csrf_token": token.group(1), "person_id": person_id, "output": "csv"},
    )
    assert download.status_code == 200, download.text
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    times = [cell for row in rows[1:] for cell in row if re.fullmatch(r"[\d/]+ [\d:]+", cell)]
    assert local_time.shown(at, "Asia/Tokyo", seconds=True) in times, rows

    with web.api.vault.transaction() as session:
        conditions = session.get(AccessConditions, web.api.organisation_id)
        if conditions is None:
            conditions = AccessConditions(organisation_id=web.api.organisation_id)
            session.add(conditions)
        conditions.time_zone = "UTC"
    assert local_time.shown(at, "UTC", seconds=True) in _visible(
        auditor.get(f"/audit/entries/{seq}").text
    )
