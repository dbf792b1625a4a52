"""Sign-in with a second factor, lockout, sessions, sign-out everywhere, API tokens.

Rules (DESIGN.md §5; 事業者編 別添1 2F b アクセス者の識別と認証 (seed 図表2-2 (6)②); issue #3):
- every role that can see a number (clerk, manager and the agency variants) must use a
  TOTP second factor; until it is set up their session can do nothing but set it up;
- five failed attempts lock the account for fifteen minutes, each failure and the lock
  itself audited;
- sessions end after 30 idle minutes or 12 hours in all, or when signed out anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from mnvault.access import separation
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.auth.errors import (
    AccountLocked,
    EnrolmentRequired,
    OrganisationRequired,
    PasswordChangeRequired,
    SecondFactorRequired,
    SessionExpired,
    SignInFailed,
    TokenInvalid,
    TotpAlreadyEnrolled,
)
from mnvault.auth.models import TOTP_OWNER, ApiToken, RecoveryCode, UserSecurity, WebSession
from mnvault.crypto import Envelope, SealedValue, WrappedKey
from mnvault.db import core
from mnvault.db.base import utcnow
from mnvault.orgs.codes import organisation_by_code
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number

LOCKOUT_THRESHOLD = 5
LOCKOUT_PERIOD = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen_at is written at most this often, so reads do not each cost a write.
TOUCH_INTERVAL = timedelta(seconds=60)

SESSION_PREFIX = "mnv_s_"
TOKEN_PREFIX = "mnv_t_"  # noqa: S105 - a public prefix, not a secret
NUMBER_ROLES = separation.NUMBER_ROLES
# Who must give a second factor: everyone who can see a number, and everyone who manages
# credentials (an administrator with a password alone could otherwise be impersonated
# into minting what returns numbers; issue #11).
SECOND_FACTOR_ROLES = separation.NUMBER_ROLES | separation.CREDENTIAL_ROLES


def digest(token: str) -> str:
    """Tokens are 256-bit random: a plain SHA-256 is a sufficient one-way store."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling, as established by a session or an API token."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    stage: str  # "full", "password" (second factor pending), "enrol" or "change"
    via: str  # "session" or "token"
    token_affairs: frozenset[str] | None = None

    def context(
        self, *, affair_code: str | None, request_id: str, client_address: str | None
    ) -> Context:
        return Context(
            actor_id=self.user_id,
            organisation_id=self.organisation_id,
            affair_code=affair_code,
            request_id=request_id,
            client_address=client_address,
            channel=f"api:{self.via}",
        )


@dataclass(frozen=True)
class SignIn:
    token: str
    stage: str
    organisation_id: uuid.UUID


def _security(session: Session, user_id: uuid.UUID) -> UserSecurity:
    state = session.get(UserSecurity, user_id)
    if state is None:
        state = UserSecurity(user_id=user_id, failed_attempts=0)
        session.add(state)
        session.flush()
    return state


def _fail(session: Session, user: User | None, reason: str, client: str | None) -> None:
    """Count a failure (and lock at the threshold); the caller commits, then raises."""
    details = {"reason": reason}
    if user is not None:
        state = _security(session, user.id)
        state.failed_attempts += 1
        if state.failed_attempts >= LOCKOUT_THRESHOLD:
            state.locked_until = utcnow() + LOCKOUT_PERIOD
            state.failed_attempts = 0
            audit.record(
                session, None, AuditAction.AUTH_LOCKOUT, actor_id=user.id,
                outcome=Outcome.DENIED, details={"minutes": LOCKOUT_PERIOD.seconds // 60},
            )  # fmt: skip
    audit.record(
        session, None, AuditAction.AUTH_LOGIN_FAILED, outcome=Outcome.FAILED,
        actor_id=user.id if user else None, details=details, client_address=client,
    )  # fmt: skip


def sign_in(
    session: Session,
    *,
    organisation_code: str,
    login: str,
    password: str,
    organisation_id: uuid.UUID | None = None,
    acting_code: str | None = None,
    client_address: str | None = None,
) -> SignIn:
    """First step: the user's home organisation code, login and password; then, for a
    member of several organisations, ``organisation_id`` (or its code, ``acting_code``)
    names the one to act for. Commits failures itself, so a rollback cannot undo them.

    An unknown code, an unknown login and a wrong password fail alike, after the same
    password hashing work; only the audit entry's reason tells them apart (issue #3).
    """
    home = organisation_by_code(session, organisation_code)
    user = (
        session.scalar(
            select(User).where(User.home_organisation_id == home.id, User.login == login)
        )
        if home is not None
        else None
    )
    state = session.get(UserSecurity, user.id) if user else None
    locked = bool(user and state and state.locked_until and state.locked_until > utcnow())
    # The password is checked even on a locked account, and a locked account fails as an
    # unknown login does (issue #11): the same work, the same answer, so no one learns
    # which logins exist by counting to the lockout. Only the trail says "locked".
    # A system user never signs in (it acts by API tokens alone), whatever is typed: the
    # same failure as any other, its reason in the trail (issue #11).
    right = access.verify_password(user.password_hash if user else None, password)
    if locked or not right or user is None or not user.is_active or user.is_system:
        reason = (
            "locked"
            if locked
            else ("system_user" if user.is_system else "password")
            if user
            else "unknown_login"
            if home
            else "unknown_organisation"
        )
        _fail(session, user, reason, client_address)
        session.commit()
        raise SignInFailed()
    orgs = access.organisations_of(session, user.id)
    if organisation_id is None and acting_code:
        acting = organisation_by_code(session, acting_code)
        # An unknown code is no organisation of the user's: the same failure below.
        organisation_id = acting.id if acting else uuid.UUID(int=0)
    if organisation_id is None and len(orgs) == 1:
        organisation_id = orgs[0]
    if organisation_id is None and len(orgs) > 1:
        # The password was right: saying that an organisation must be named tells the
        # caller nothing they did not know.
        raise OrganisationRequired()
    if organisation_id is None or organisation_id not in orgs:
        _fail(session, user, "organisation", client_address)
        session.commit()
        raise SignInFailed()
    roles = access.roles_of(session, user.id, organisation_id)
    security = _security(session, user.id)
    if roles & SECOND_FACTOR_ROLES and security.totp_confirmed_at:
        # The second factor comes first, even before a forced password change: whoever
        # holds a password an admin set (the admin) cannot make it their own without
        # the user's authenticator, and so cannot take over a number-seeing account.
        stage = "password"
    elif user.must_change_password:
        # A password someone else set (the first admin's, an admin's reset) is changed
        # before anything else; the user then signs in again with their own.
        stage = "change"
    elif roles & SECOND_FACTOR_ROLES:
        stage = "enrol"
    else:
        stage = "full"
    if stage in {"full", "change"}:
        security.failed_attempts = 0
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=digest(token), user_id=user.id, organisation_id=organisation_id,
            stage=stage, created_at=now, last_seen_at=now, expires_at=now + ABSOLUTE_TIMEOUT,
            client_address=client_address,
        )
    )  # fmt: skip
    audit.record(
        session, None, AuditAction.AUTH_LOGIN, actor_id=user.id,
        organisation_id=organisation_id, details={"stage": stage},
        client_address=client_address,
    )  # fmt: skip
    return SignIn(token, stage, organisation_id)


def _live_session(session: Session, token: str) -> WebSession:
    row = session.get(WebSession, digest(token)) if token.startswith(SESSION_PREFIX) else None
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise SessionExpired()
    if now - row.last_seen_at > IDLE_TIMEOUT:
        row.revoked_at = now
        session.commit()
        raise SessionExpired()
    return row


def second_factor(
    session: Session, envelope: Envelope, *, token: str, code: str, client_address: str | None
) -> None:
    """Second step: a TOTP code, or one unused recovery code."""
    row = _live_session(session, token)
    user = session.get(User, row.user_id)
    if row.stage != "password" or user is None:
        raise SecondFactorRequired()
    state = _security(session, user.id)
    if state.locked_until and state.locked_until > utcnow():
        raise AccountLocked()
    if not (_accept_totp(envelope, state, code) or _accept_recovery(session, user.id, code)):
        _fail(session, user, "second_factor", client_address)
        session.commit()
        raise SignInFailed()
    row.stage = "change" if user.must_change_password else "full"
    state.failed_attempts = 0
    audit.record(
        session,
        None,
        AuditAction.AUTH_SECOND_FACTOR,
        actor_id=user.id,
        organisation_id=row.organisation_id,
    )


def _totp_secret(envelope: Envelope, state: UserSecurity) -> bytes | None:
    if state.totp_ciphertext is None or state.totp_wrapped_key is None:
        return None
    sealed = SealedValue(
        WrappedKey(int(state.totp_kek_version or 0), state.totp_wrapped_key),
        state.totp_ciphertext,
    )
    return envelope.open(TOTP_OWNER, state.user_id.hex, "totp_secret", sealed)


def _accept_totp(envelope: Envelope, state: UserSecurity, code: str) -> bool:
    from mnvault.crypto.totp import verify_totp  # noqa: PLC0415 - keeps start-up light

    secret = _totp_secret(envelope, state)
    if secret is None:
        return False
    step = verify_totp(secret, code, at=time.time(), last_used_step=state.totp_last_step)
    if step is None:
        return False
    state.totp_last_step = step
    return True


def _accept_recovery(session: Session, user_id: uuid.UUID, code: str) -> bool:
    from mnvault.access.recovery import matches  # noqa: PLC0415

    for stored in session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ):
        if matches(code, stored.code_hash):
            stored.used_at = utcnow()
            return True
    return False


def begin_totp_enrolment(
    session: Session, envelope: Envelope, *, token: str, account_name: str
) -> str:
    """A new secret, sealed and stored unconfirmed; returns the otpauth:// URI."""
    from mnvault.crypto.totp import new_totp_secret, totp_provisioning_uri  # noqa: PLC0415

    row = _live_session(session, token)
    state = _security(session, row.user_id)
    if state.totp_confirmed_at is not None:
        # Replacing a confirmed authenticator would leave the account with a password
        # alone until the new one is confirmed. A password reset keeps TOTP on purpose:
        # otherwise an admin could reset a clerk and sign in as them.
        raise TotpAlreadyEnrolled()
    secret = new_totp_secret()
    sealed = envelope.seal(TOTP_OWNER, row.user_id.hex, "totp_secret", secret)
    state.totp_kek_version = sealed.wrapped_key.kek_version
    state.totp_wrapped_key = sealed.wrapped_key.blob
    state.totp_ciphertext = sealed.ciphertext
    state.totp_confirmed_at = None
    state.totp_last_step = None
    return totp_provisioning_uri(secret, account_name)


def confirm_totp_enrolment(
    session: Session, envelope: Envelope, *, token: str, code: str
) -> list[str]:
    """Confirm with a first code; the session becomes full; returns recovery codes (once)."""
    from mnvault.access.recovery import hash_recovery_code, new_recovery_codes  # noqa: PLC0415

    row = _live_session(session, token)
    user = session.get(User, row.user_id)
    state = _security(session, row.user_id)
    if user is None or state.totp_confirmed_at is not None:
        # Otherwise a password alone could try codes here, past the lockout. (A wrong
        # first code is not counted: whoever is here was just shown the secret.)
        raise TotpAlreadyEnrolled()
    if not _accept_totp(envelope, state, code):
        raise SignInFailed()
    state.totp_confirmed_at = utcnow()
    state.totp_reset_at = None
    # Enrolling does not skip a password change that is still due.
    row.stage = "change" if user.must_change_password else "full"
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == row.user_id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    codes = new_recovery_codes()
    session.add_all(
        RecoveryCode(user_id=row.user_id, code_hash=hash_recovery_code(c)) for c in codes
    )
    audit.record(
        session,
        None,
        AuditAction.AUTH_TOTP_ENROL,
        actor_id=row.user_id,
        organisation_id=row.organisation_id,
    )
    return codes


def resolve(
    session: Session, token: str, *, client_address: str | None, request_id: str | None = None
) -> Principal:
    """The principal behind a bearer token (session or API token). ``request_id`` goes
    into an API token's ``token:use`` entry: the request's other entries carry it too, so
    the trail tells what the token did from what its user did otherwise (impact scope)."""
    if token.startswith(TOKEN_PREFIX):
        return _resolve_api_token(session, token, client_address, request_id)
    row = _live_session(session, token)
    now = utcnow()
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return Principal(row.user_id, row.organisation_id, row.stage, "session")


# Built once (the read path runs it per request; building costs more than running it).
_WEB_SESSION = WebSession.__table__.c
_SESSION_OF_READ = core.Prepared(
    select(
        _WEB_SESSION.user_id,
        _WEB_SESSION.organisation_id,
        _WEB_SESSION.stage,
        _WEB_SESSION.revoked_at,
        _WEB_SESSION.expires_at,
        _WEB_SESSION.last_seen_at,
    ).where(_WEB_SESSION.token_hash == bindparam("token_hash"))
)


def resolve_read_only(
    session: Session,
    token: str,
    *,
    client_address: str | None,
    audit_later: list[AuditEntry],
    request_id: str | None = None,
) -> Principal | None:
    """:func:`resolve` in a transaction that writes nothing, or None when resolving must
    write (an idle session to end, ``last_seen_at`` or ``last_used_at`` due, an invalid
    API token's refusal): the caller then takes the ordinary path, which writes it.

    An API token's use is still audited: its entry goes to ``audit_later``, which the
    caller commits before it answers.
    """
    now = utcnow()
    if token.startswith(TOKEN_PREFIX):
        api = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
        if (
            api is None
            or api.revoked_at is not None
            or api.expires_at <= now
            or api.approved_at is None
        ):
            return None
        if api.last_used_at is None or now - api.last_used_at > TOUCH_INTERVAL:
            return None
        audit_later.append(_token_use(api, client_address, request_id))
        return Principal(
            api.user_id, api.organisation_id, "full", "token", frozenset(api.affair_codes)
        )
    row = (
        _SESSION_OF_READ.first(session, {"token_hash": digest(token)})
        if token.startswith(SESSION_PREFIX)
        else None
    )
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise SessionExpired()
    # TOUCH_INTERVAL < IDLE_TIMEOUT: a session idle too long is also one due a touch.
    if now - row.last_seen_at > TOUCH_INTERVAL:
        return None
    return Principal(row.user_id, row.organisation_id, row.stage, "session")


def require_full(principal: Principal) -> Principal:
    if principal.stage == "change":
        raise PasswordChangeRequired()
    if principal.stage == "enrol":
        raise EnrolmentRequired()
    if principal.stage != "full":
        raise SecondFactorRequired()
    return principal


def sign_out(session: Session, token: str) -> None:
    row = session.get(WebSession, digest(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            None,
            AuditAction.AUTH_LOGOUT,
            actor_id=row.user_id,
            organisation_id=row.organisation_id,
        )


def sign_out_everywhere(session: Session, user_id: uuid.UUID) -> int:
    ended = _end_sessions(session, user_id)
    audit.record(session, None, AuditAction.AUTH_LOGOUT_ALL, actor_id=user_id)
    return ended


def _end_sessions(session: Session, user_id: uuid.UUID) -> int:
    """Revoke every live session of a user; returns how many there were."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def change_password(session: Session, *, user_id: uuid.UUID, current: str, new: str) -> None:
    from mnvault.access.passwords import (  # noqa: PLC0415 - only password changes need it
        DEFAULT_MIN_LENGTH,
        SINGLE_FACTOR_MIN_LENGTH,
        require_valid_password,
    )

    user = session.get(User, user_id)
    if user is None:
        raise SignInFailed()
    if not access.verify_password(user.password_hash, current):
        raise SignInFailed()
    state = _security(session, user.id)
    # NIST SP 800-63B §3.1.1.2: 15 characters when the password is the only factor, 8
    # with a second one; 12 is our floor for accounts that also use TOTP.
    min_length = DEFAULT_MIN_LENGTH if state.totp_confirmed_at else SINGLE_FACTOR_MIN_LENGTH
    require_valid_password(
        new, login=user.login, display_name=user.display_name, min_length=min_length
    )
    user.password_hash = access.hash_password(new)
    user.must_change_password = False
    state.password_changed_at = utcnow()
    audit.record(session, None, AuditAction.AUTH_PASSWORD_CHANGE, actor_id=user.id)
    # Every session ends: whoever knew the old password is out, and the user signs in
    # again with the new one (and then gives the second factor).
    _end_sessions(session, user.id)


def reset_password(session: Session, context: Context, *, user_id: uuid.UUID) -> str:
    """An admin sets a one-time password; the user must change it; sessions end.

    The second factor stays: a user who has one gives it before the new password counts
    (sign_in), so the admin who knows it still cannot sign in as them. A user who has
    none yet would enrol after the admin's password: such an account reaches no number
    until a manager confirms it (confirm_user; issue #11)."""
    user = _home_member(session, context, user_id)
    if user.is_system:
        _deny_reset(
            context,
            user_id,
            "システム利用者にはパスワードがありません / a system "
            "user has no password (it signs in never; it uses API tokens)",
        )
    if user_id == context.actor_id:
        _deny_reset(
            context,
            user_id,
            "自分のパスワードは変更手続きで変えます / an "
            "administrator changes their own password, never resets it",
        )
    state = _security(session, user.id)
    if state.totp_reset_at is not None:
        # With the second factor reset and the password too, whoever reset both would
        # hold everything needed to enrol their own phone as this user.
        _deny_reset(context, user_id, "second factor reset pending: the user re-enrols first")
    password = access.generate_password()
    user.password_hash = access.hash_password(password)
    user.must_change_password = True
    if state.totp_confirmed_at is None:
        user.unconfirmed_since = utcnow()
    state.failed_attempts, state.locked_until = 0, None
    _end_sessions(session, user_id)
    audit.record(
        session, context, AuditAction.AUTH_PASSWORD_RESET, details={"user_id": str(user_id)}
    )
    return password


def unlock(session: Session, context: Context, *, user_id: uuid.UUID) -> bool:
    """An admin lifts a lockout before it runs out (the user phoned in); the password and
    the second factor stay as they are. Returns whether the user was locked."""
    user = _home_member(session, context, user_id)
    state = _security(session, user.id)
    was_locked = state.locked_until is not None and state.locked_until > utcnow()
    state.failed_attempts, state.locked_until = 0, None
    audit.record(
        session, context, AuditAction.AUTH_UNLOCK,
        details={"user_id": str(user_id), "was_locked": was_locked},
    )  # fmt: skip
    return was_locked


def reset_totp(session: Session, context: Context, *, user_id: uuid.UUID, reason: str) -> int:
    """An admin resets the second factor of a user who lost their authenticator.

    The old secret and every unused recovery code stop working, every session of the
    user ends, and their next sign-in (with their own password) enrols a new
    authenticator. Returns how many sessions ended. Refused (and the refusal audited)
    for the admin's own account, and while the user still has to change a password an
    admin set: one admin never holds both factors of someone else (separation of
    duties, 事業者編 別添1 2C; 2F b 識別と認証; seed 図表2-2 (6)②).
    """
    from mnvault.numbers import redact  # noqa: PLC0415

    user = _home_member(session, context, user_id)
    if user.is_system:
        _deny_reset(
            context,
            user_id,
            "システム利用者には第二要素がありません / a system user has no second factor",
        )
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("リセットの理由を入力してください", "give the reason for the reset")
    if user_id == context.actor_id:
        _deny_reset(context, user_id, "an administrator cannot reset their own second factor")
    if user.must_change_password:
        _deny_reset(context, user_id, "the user must first change the password an admin set")
    state = _security(session, user.id)
    state.totp_kek_version = state.totp_wrapped_key = state.totp_ciphertext = None
    state.totp_confirmed_at = state.totp_last_step = None
    state.totp_reset_at = utcnow()
    # Whoever re-enrols now could be someone who learnt the password: a manager confirms
    # the account again, with a code from the owner's new authenticator (issue #11).
    user.unconfirmed_since = utcnow()
    session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    )
    ended = _end_sessions(session, user_id)
    audit.record(
        session, context, AuditAction.AUTH_TOTP_RESET,
        # The reason is free text an admin typed: masked like a log line, as a last guard.
        details={"user_id": str(user_id), "reason": redact(reason)[:500],
                 "sessions_ended": ended},
    )  # fmt: skip
    return ended


def _home_member(session: Session, context: Context, user_id: uuid.UUID) -> User:
    """A user whose credentials (password, second factor, lockout, API tokens) this
    administrator may manage: only those whose home is the administrator's
    organisation. A client's administrator who could reset an outsourcer's clerk's
    password could sign in as that clerk and act for the outsourcer and its other
    clients (a user of one organisation never reaches another's data, issue #3)."""
    access.authorize(session, context, Permission.USER_MANAGE)
    user = session.get(User, user_id)
    if user is None or context.organisation_id not in access.organisations_of(session, user_id):
        raise NotFound(f"利用者 {user_id}", f"user {user_id}")
    if user.home_organisation_id != context.organisation_id:
        _deny_reset(
            context, user_id,
            "the user's credentials are managed by the administrators of their home "
            "organisation",
        )  # fmt: skip
    return user


def _deny_reset(context: Context, user_id: uuid.UUID, reason: str) -> NoReturn:
    raise AuthorizationDenied(
        permission=str(Permission.USER_MANAGE), reason=reason, actor_id=context.actor_id,
        organisation_id=context.organisation_id, request_id=context.request_id,
        client_address=context.client_address, details={"user_id": str(user_id)},
    )  # fmt: skip


def enrolment_pending(session: Session, token: str) -> bool:
    """Whether this session's user has an authenticator secret waiting for its first
    code (so a command line given a code confirms it rather than starting over)."""
    row = _live_session(session, token)
    state = session.get(UserSecurity, row.user_id)
    return bool(state and state.totp_ciphertext is not None and state.totp_confirmed_at is None)


def require_may_change_password(principal: Principal) -> None:
    """A password is changed by someone past the second factor (or who has none yet to
    give): a password alone, perhaps one an admin set, cannot become someone's own."""
    if principal.stage == "password":
        raise SecondFactorRequired()
    if principal.stage == "enrol":
        raise EnrolmentRequired()


# -- API tokens -------------------------------------------------------------------------


def create_api_token(
    session: Session,
    context: Context,
    *,
    user_id: uuid.UUID,
    name: str,
    affair_codes: list[str],
    valid_for: timedelta = timedelta(days=90),
) -> tuple[str, ApiToken]:
    """Shown once; stored as a digest; scoped to an organisation and affairs; expiring.

    Only for a system user (issue #11): a person's token would let whoever minted it act
    as that person, past their second factor. A token of a system user that can see
    numbers stays inert until a manager other than the requester approves it
    (approve_api_token), and its affairs must each be an affair the system user is
    assigned to (assignments a manager set: access.separation.check_assignee)."""
    user = _home_member(session, context, user_id)
    without_number(name, "名前", "name")
    if not user.is_system:
        _deny_token(
            context, user_id, "APIトークンはシステム利用者にのみ発行します / API tokens belong "
            "only to system users (a person signs in with their own second factor)",
        )  # fmt: skip
    needs_approval = bool(access.roles_of(session, user_id, context.organisation_id) & NUMBER_ROLES)
    if needs_approval:
        _require_assigned(session, context, user_id, affair_codes)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(
        organisation_id=context.organisation_id, user_id=user_id, name=name,
        token_hash=digest(token), prefix=token[: len(TOKEN_PREFIX) + 4],
        affair_codes=sorted(set(affair_codes)), created_by=context.actor_id,
        expires_at=now + valid_for, approved_at=None if needs_approval else now,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(
        session, context, AuditAction.TOKEN_CREATE,
        details={"token_id": str(row.id), "user_id": str(user_id),
                 "awaiting_approval": needs_approval},
    )  # fmt: skip
    return token, row


def _require_assigned(
    session: Session, context: Context, user_id: uuid.UUID, affair_codes: list[str]
) -> None:
    from mnvault.access.models import Assignment  # noqa: PLC0415
    from mnvault.affairs.models import Affair  # noqa: PLC0415

    assigned = set(
        session.scalars(
            select(Affair.code)
            .join(Assignment, Assignment.affair_id == Affair.id)
            .where(
                Assignment.user_id == user_id,
                Assignment.organisation_id == context.organisation_id,
            )
        )
    )
    outside = sorted(set(affair_codes) - assigned)
    if outside:
        _deny_token(
            context, user_id,
            f"トークンの事務はシステム利用者の割当ての範囲内に限ります / a token's affairs "
            f"are bounded by the system user's assignments: not assigned to {outside}",
        )  # fmt: skip


def _deny_token(context: Context, user_id: uuid.UUID, reason: str) -> NoReturn:
    raise AuthorizationDenied(
        permission=str(Permission.USER_MANAGE), reason=reason, actor_id=context.actor_id,
        organisation_id=context.organisation_id, request_id=context.request_id,
        client_address=context.client_address,
        details={"user_id": str(user_id), "what": "api_token"},
    )  # fmt: skip


def approve_api_token(session: Session, context: Context, *, token_id: uuid.UUID) -> ApiToken:
    """A manager, not the one who asked, lets a token that can return a number work.
    Its affairs are checked again against the system user's assignments."""
    access.authorize(session, context, Permission.EXPORT_APPROVE)
    row = session.get(ApiToken, token_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise NotFound(f"APIトークン {token_id}", f"API token {token_id}")
    separation.require_approver(session, context, requested_by=row.created_by)
    if row.revoked_at is not None or row.expires_at <= utcnow() or row.approved_at is not None:
        raise InvalidInput("承認待ちのトークンではありません", "the token is not awaiting approval")
    _require_assigned(session, context, row.user_id, list(row.affair_codes))
    row.approved_by, row.approved_at = context.actor_id, utcnow()
    audit.record(
        session, context, AuditAction.TOKEN_APPROVE,
        details={"token_id": str(row.id), "user_id": str(row.user_id),
                 "requested_by": str(row.created_by)},
    )  # fmt: skip
    return row


def confirm_user(
    session: Session, envelope: Envelope, context: Context, *, user_id: uuid.UUID, code: str
) -> None:
    """A manager confirms, in person, that an account whose password an administrator
    set is in its owner's hands: the owner reads a code off their own authenticator.
    Whoever enrolled that authenticator (perhaps the administrator who knew the first
    password) holds it; the owner at the manager's desk then cannot give a code, and the
    account stays without numbers (issue #11). Refusals are audited."""
    user = session.get(User, user_id)
    if user is None or user.home_organisation_id != context.organisation_id:
        # The home organisation's managers confirm its people (as its admins manage them).
        raise NotFound(f"利用者 {user_id}", f"user {user_id}")
    first = separation.first_manager(session, context, user=user)
    access.authorize(
        session, context, Permission.USER_MANAGE if first else Permission.EXPORT_APPROVE
    )
    if not first:
        separation.require_approver(session, context, requested_by=user_id)
    if user.unconfirmed_since is None:
        raise InvalidInput(
            "確認待ちの利用者ではありません", "the user is not awaiting confirmation"
        )
    state = _security(session, user_id)
    if state.totp_confirmed_at is None or user.must_change_password:
        separation.deny(
            context, "本人がパスワードを変更し認証アプリを登録した後に確認します",
            "confirm after the user has changed the password and enrolled an authenticator",
            user_id=user_id, permission=Permission.EXPORT_APPROVE,
        )  # fmt: skip
    if not _accept_totp(envelope, state, code):
        separation.deny(
            context, "本人の認証アプリのコードが一致しません",
            "the code from the user's authenticator does not match",
            user_id=user_id, permission=Permission.EXPORT_APPROVE,
        )  # fmt: skip
    user.unconfirmed_since = None
    audit.record(
        session, context, AuditAction.USER_CONFIRM,
        details={"user_id": str(user_id), "first_manager": first},
    )  # fmt: skip


def revoke_api_token(session: Session, context: Context, *, token_id: uuid.UUID) -> None:
    access.authorize(session, context, Permission.USER_MANAGE)
    row = session.get(ApiToken, token_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise NotFound(f"APIトークン {token_id}", f"API token {token_id}")
    row.revoked_at = utcnow()
    audit.record(session, context, AuditAction.TOKEN_REVOKE, details={"token_id": str(token_id)})


def _resolve_api_token(
    session: Session, token: str, client: str | None, request_id: str | None = None
) -> Principal:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    now = utcnow()
    owner = session.get(User, row.user_id) if row is not None else None
    reason = (
        "invalid"
        if row is None or row.revoked_at is not None or row.expires_at <= now
        else "awaiting_approval"
        if row.approved_at is None
        else "not_a_system_user"
        if owner is None or not owner.is_system or not owner.is_active
        else None
    )
    if row is None or reason is not None:
        audit.record(
            session,
            None,
            AuditAction.TOKEN_USE,
            outcome=Outcome.DENIED,
            details={"reason": reason or "invalid"}
            | ({"token_id": str(row.id)} if row is not None else {}),
            client_address=client,
        )
        session.commit()
        raise TokenInvalid()
    row.last_used_at = now
    audit.append_all(session, [_token_use(row, client, request_id)])
    return Principal(row.user_id, row.organisation_id, "full", "token", frozenset(row.affair_codes))


def _token_use(row: ApiToken, client: str | None, request_id: str | None) -> AuditEntry:
    return audit.new_entry(
        None,
        AuditAction.TOKEN_USE,
        actor_id=row.user_id,
        organisation_id=row.organisation_id,
        details={"token_id": str(row.id)},
        client_address=client,
        request_id=request_id,
    )


def last_seen(session: Session, token: str) -> datetime | None:
    row = session.get(WebSession, digest(token))
    return row.last_seen_at if row else None
