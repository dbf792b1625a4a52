"""An admin's reset of a lost authenticator, through the services, on SQLite and PostgreSQL.

Sources: seed 図表2-2 (6)② アクセス者の識別と認証 / 事業者編 別添1 2E ② (identification and
authentication); 事業者編 別添1 2C (administrators get no unnecessary access: an admin
never holds both factors of someone else); DESIGN.md §4 (admin sees no number), §5;
NIST SP 800-63B §6.1.2.3 (replacement of a lost authenticator ends its use).
"""

from __future__ import annotations

import base64
import time
import urllib.parse
import uuid

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.errors import SecondFactorRequired, SessionExpired, SignInFailed
from mnvault.auth.models import WebSession
from mnvault.crypto.totp import totp_code
from mnvault.db.engine import unit_of_work
from mnvault.vault.errors import InvalidInput, NotFound
from tests.conftest import World

PASSWORD = "correct horse battery staple"


def enrol(world: World, who: str) -> tuple[bytes, list[str], str]:
    """Sign in, enrol TOTP; the secret, the recovery codes and the (full) session token."""
    login = world.users[who].login
    with unit_of_work(world.sessions) as s:
        token = auth.sign_in(
            s, organisation_code=world.org.code, login=login, password=PASSWORD
        ).token
        uri = auth.begin_totp_enrolment(s, world.envelope, token=token, account_name=login)
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    with unit_of_work(world.sessions) as s:
        codes = auth.confirm_totp_enrolment(
            s, world.envelope, token=token, code=totp_code(raw, time.time())
        )
    return raw, codes, token


def reset(world: World, target: str, reason: str = "スマートフォン紛失", by: str = "admin") -> int:
    with unit_of_work(world.sessions) as s:
        return auth.reset_totp(s, world.ctx(by), user_id=world.users[target].id, reason=reason)


def stage(world: World, who: str) -> str:
    with unit_of_work(world.sessions) as s:
        return auth.sign_in(
            s, organisation_code=world.org.code, login=world.users[who].login, password=PASSWORD
        ).stage


def last(world: World) -> AuditEntry:
    with world.sessions() as s:
        return s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


def test_a_reset_ends_the_old_factor_and_sessions_and_asks_for_a_new_one(world: World):
    secret, codes, token = enrol(world, "clerk")
    assert stage(world, "clerk") == "password"
    ended = reset(world, "clerk", "スマートフォン紛失 (lost phone)")
    assert ended == 2  # the enrolment's session and the sign-in just above
    with pytest.raises(SessionExpired), unit_of_work(world.sessions) as s:
        auth.resolve(s, token, client_address=None)
    entry = last(world)
    assert entry.action == "auth:totp_reset"
    assert entry.actor_id == world.users["admin"].id
    assert entry.details == {
        "user_id": str(world.users["clerk"].id),
        "reason": "スマートフォン紛失 (lost phone)",
        "sessions_ended": 2,
    }
    # Next sign-in: enrolment again; neither the old code nor a recovery code passes.
    with unit_of_work(world.sessions) as s:
        result = auth.sign_in(
            s, organisation_code=world.org.code, login=world.users["clerk"].login, password=PASSWORD
        )
    assert result.stage == "enrol"
    for code in (totp_code(secret, time.time() + 30), codes[0]):
        with pytest.raises(SignInFailed), unit_of_work(world.sessions) as s:
            auth.confirm_totp_enrolment(s, world.envelope, token=result.token, code=code)
    enrol(world, "clerk")
    assert stage(world, "clerk") == "password"


def test_an_admin_cannot_reset_their_own_and_the_refusal_is_audited(world: World):
    with pytest.raises(AuthorizationDenied) as denied:
        reset(world, "admin")
    assert "own second factor" in denied.value.reason
    entry = last(world)
    assert (entry.action, entry.outcome) == ("access:denied", "denied")
    assert entry.details and entry.details["user_id"] == str(world.users["admin"].id)


@pytest.mark.parametrize("who", ["manager", "auditor", "clerk"])
def test_only_an_admin_resets(world: World, who: str):
    with pytest.raises(AuthorizationDenied):
        reset(world, "clerk2", by=who)


def test_a_reason_is_required(world: World):
    with pytest.raises(InvalidInput):
        reset(world, "clerk", " \n ")


def test_another_organisations_user_is_not_found(world: World):
    with pytest.raises(NotFound):
        reset(world, "outsider")
    with pytest.raises(NotFound), unit_of_work(world.sessions) as s:
        auth.reset_totp(s, world.ctx("admin"), user_id=uuid.uuid4(), reason="r")


def test_a_number_in_the_reason_is_masked(world: World, synthetic_number: str):
    reset(world, "clerk", f"番号 {synthetic_number} の本人から連絡")
    assert synthetic_number not in str(last(world).details)


def test_one_admin_never_holds_both_factors_of_someone_else(world: World):
    """Reset the password and the second factor one after the other, and the admin would
    know the password and enrol their own phone: each reset refuses while the other is
    pending, and a forced password change of an enrolled user needs the second factor."""
    secret, _codes, _token = enrol(world, "clerk")
    with unit_of_work(world.sessions) as s:
        temporary = auth.reset_password(s, world.ctx("admin"), user_id=world.users["clerk"].id)
    # The temporary password alone reaches only the second-factor step, where the
    # password cannot be changed.
    with unit_of_work(world.sessions) as s:
        result = auth.sign_in(
            s,
            organisation_code=world.org.code,
            login=world.users["clerk"].login,
            password=temporary,
        )
    assert result.stage == "password"
    with unit_of_work(world.sessions) as s:
        principal = auth.resolve(s, result.token, client_address=None)
    with pytest.raises(SecondFactorRequired):
        auth.require_may_change_password(principal)
    with pytest.raises(AuthorizationDenied) as denied:
        reset(world, "clerk")
    assert "change the password" in denied.value.reason
    # The user, with their phone, gets past the second factor and changes it.
    with unit_of_work(world.sessions) as s:
        auth.second_factor(
            s, world.envelope, token=result.token, code=totp_code(secret, time.time() + 30),
            client_address=None,
        )  # fmt: skip
        principal = auth.resolve(s, result.token, client_address=None)
    assert principal.stage == "change"
    with unit_of_work(world.sessions) as s:
        auth.change_password(s, user_id=principal.user_id, current=temporary, new=PASSWORD)
    # Now the phone can be reset; the password cannot, until the user re-enrols.
    reset(world, "clerk")
    with pytest.raises(AuthorizationDenied) as denied, unit_of_work(world.sessions) as s:
        auth.reset_password(s, world.ctx("admin"), user_id=world.users["clerk"].id)
    assert "re-enrols first" in denied.value.reason
    enrol(world, "clerk")
    with unit_of_work(world.sessions) as s:
        auth.reset_password(s, world.ctx("admin"), user_id=world.users["clerk"].id)


def test_a_reset_shows_the_admin_no_number_and_leaves_no_live_session(world: World):
    enrol(world, "clerk")
    assert reset(world, "clerk") >= 1
    with world.sessions() as s:
        live = s.scalars(
            select(WebSession).where(
                WebSession.user_id == world.users["clerk"].id, WebSession.revoked_at.is_(None)
            )
        ).all()
    assert live == []
