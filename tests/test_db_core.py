"""mnvault.db.core.Prepared: the hot path's statements on the DBAPI cursor give exactly
what Session.execute gives for the same statement (types converted, NULLs kept, pending
changes flushed first), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.models import AccessConditions
from mnvault.auth.models import WebSession
from mnvault.db.base import GUID
from mnvault.db.core import Prepared
from tests.conftest import World

_WEB = WebSession.__table__.c
_SESSIONS = select(
    _WEB.token_hash,
    _WEB.user_id,
    _WEB.organisation_id,
    _WEB.stage,
    _WEB.last_seen_at,
    _WEB.expires_at,
    _WEB.revoked_at,
).where(
    _WEB.user_id == bindparam("user", type_=GUID()),
    _WEB.organisation_id == bindparam("organisation", type_=GUID()),
)
_COND = AccessConditions.__table__.c
_CONDITIONS = select(
    _COND.organisation_id,
    _COND.time_zone,
    _COND.office_days,
    _COND.office_start,
    _COND.office_end,
    _COND.networks,
).where(_COND.organisation_id == bindparam("organisation", type_=GUID()))


def _same(
    session: Session, statement: object, params: dict[str, object]
) -> list[tuple[object, ...]]:
    expected = [tuple(row) for row in session.execute(statement, params)]  # type: ignore[call-overload]
    got = Prepared(statement).rows(session, params)  # type: ignore[arg-type]
    assert [tuple(row) for row in got] == expected
    return expected


def test_rows_match_session_execute(world: World, sessions: sessionmaker[Session]):
    user, org = world.users["clerk"].id, world.org.id
    now = datetime.now(UTC).replace(microsecond=0)
    with sessions() as session:
        session.add_all(
            [
                WebSession(
                    token_hash="a" * 64, user_id=user, organisation_id=org, stage="full",
                    last_seen_at=now, expires_at=now + timedelta(hours=8),
                ),
                WebSession(
                    token_hash="b" * 64, user_id=user, organisation_id=org, stage="password",
                    last_seen_at=now, expires_at=now, revoked_at=now - timedelta(minutes=1),
                ),
            ]
        )  # fmt: skip
        session.add(
            AccessConditions(
                organisation_id=org, time_zone="Asia/Tokyo", office_days=[1, 2, 3],
                office_start=time(9, 0), office_end=time(18, 30), networks=["10.0.0.0/8"],
            )
        )  # fmt: skip
        # Not flushed yet: Prepared flushes first, as Session.execute does.
        rows = Prepared(_SESSIONS).rows(session, {"user": user, "organisation": org})
        assert sorted(row.token_hash for row in rows) == ["a" * 64, "b" * 64]
        sessions_rows = _same(session, _SESSIONS, {"user": user, "organisation": org})
        assert {type(row[1]) for row in sessions_rows} == {uuid.UUID}
        assert all(row[4].tzinfo is not None for row in sessions_rows)  # UTCDateTime kept
        (conditions,) = _same(session, _CONDITIONS, {"organisation": org})
        assert conditions[2:] == ([1, 2, 3], time(9, 0), time(18, 30), ["10.0.0.0/8"])
        assert _same(session, _CONDITIONS, {"organisation": uuid.uuid4()}) == []
        prepared = Prepared(_CONDITIONS)
        assert prepared.first(session, {"organisation": uuid.uuid4()}) is None
        assert prepared.scalars(session, {"organisation": org}) == [org]
        session.rollback()
