"""Credentials beside the user: second factor, lockout state, sessions, API tokens.

Secrets are never stored as given: session and API tokens as SHA-256 digests (they
are 256-bit random, so a fast hash is enough), recovery codes likewise, and the
TOTP secret sealed by the keyring like any other sensitive field.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow
from mnvault.db.wrapped import WrappedKeys, register_wrapped_keys


class UserSecurity(Base):
    """Per-user sign-in state (one row per user, created on first need)."""

    __tablename__ = "user_security"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The TOTP secret, sealed under a data key of its own (kek_version + wrapped key).
    totp_kek_version: Mapped[int | None] = mapped_column(Integer)
    totp_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last accepted time step: the same code is never accepted twice (RFC 6238 §5.2).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Set when an admin resets the second factor, cleared when the user re-enrols: while
    # set, no admin may also reset the password (they would then hold both factors).
    totp_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in session; the client holds the token, we hold its digest."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    # "password" until the second factor is given; "full" after it; "enrol" for a user
    # who must first set up TOTP and may do nothing else.
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A token for a system integration (payroll, HR): scoped, expiring, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    affair_codes: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


TOTP_OWNER = "users"  # the "organisation" part of a TOTP secret's associated data

register_wrapped_keys(
    WrappedKeys(
        "totp_secrets",
        UserSecurity,
        UserSecurity.totp_kek_version,
        UserSecurity.totp_wrapped_key,
        lambda row: (TOTP_OWNER, row.user_id.hex),
    )
)
