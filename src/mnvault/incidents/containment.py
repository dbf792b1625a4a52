"""Containment from the incident page (別添2 2A: 被害が発覚時よりも拡大しないよう必要な措置).

Each act goes through the service that owns it, which authorizes and audits it as it always
does (revoking a token needs user:manage, sealing keyring:seal, rotating key:rotate); the
incident then keeps the act and records ``incident:contain`` with its id. Suspending an
account had no service before: it is here, for the accounts of the acting organisation.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.auth import services as auth
from mnvault.auth.models import ApiToken
from mnvault.deployment import sealing
from mnvault.deployment.services import Vault
from mnvault.incidents import services as incidents
from mnvault.incidents.errors import IncidentError
from mnvault.keys import services as keys


class Act(StrEnum):
    SUSPEND_ACCOUNT = "suspend_account"
    REVOKE_TOKENS = "revoke_tokens"
    END_SESSIONS = "end_sessions"
    WITHDRAW_OUTSIDE_ROLES = "withdraw_outside_roles"
    SEAL_SERVER = "seal_server"
    ROTATE_KEYS = "rotate_keys"


ACT_TITLES = {
    Act.SUSPEND_ACCOUNT: ("アカウントの停止", "Suspend the account"),
    Act.REVOKE_TOKENS: ("APIトークンの失効", "Revoke its API tokens"),
    Act.END_SESSIONS: ("セッションの終了", "End its sessions"),
    Act.WITHDRAW_OUTSIDE_ROLES: ("他組織での役割の取消し", "Withdraw its roles elsewhere"),
    Act.SEAL_SERVER: ("サーバの封印", "Seal the server"),
    Act.ROTATE_KEYS: ("鍵の更新", "Rotate the keys"),
}

USER_ACTS = frozenset(
    {Act.SUSPEND_ACCOUNT, Act.REVOKE_TOKENS, Act.END_SESSIONS, Act.WITHDRAW_OUTSIDE_ROLES}
)


def _home_user(session: Session, context: Context, user_id: uuid.UUID) -> User:
    authorize(session, context, Permission.USER_MANAGE, organisation_resource(context))
    user = session.get(User, user_id)
    if user is None or user.home_organisation_id != context.organisation_id:
        raise IncidentError(
            "この組織の利用者ではありません", "not a user whose home is this organisation"
        )
    return user


def contain_user(
    session: Session, context: Context, incident_id: uuid.UUID, act: Act, user_id: uuid.UUID
) -> str:
    """One act on an account; returns what it did, in words (no number)."""
    incidents.incident(session, context, incident_id)  # incident:read, and it exists
    if act not in USER_ACTS:
        raise IncidentError("この措置には利用者を指定しません", "this act names no user")
    user = _home_user(session, context, user_id)
    if act is Act.SUSPEND_ACCOUNT:
        user.is_active = False
        ended = auth.sign_out_everywhere(session, user.id)
        result = f"停止、セッション{ended}件終了 / suspended, {ended} sessions ended"
    elif act is Act.END_SESSIONS:
        ended = auth.sign_out_everywhere(session, user.id)
        result = f"セッション{ended}件終了 / {ended} sessions ended"
    elif act is Act.REVOKE_TOKENS:
        live = session.scalars(
            select(ApiToken.id).where(
                ApiToken.user_id == user.id,
                ApiToken.organisation_id == context.organisation_id,
                ApiToken.revoked_at.is_(None),
            )
        ).all()
        for token_id in live:
            auth.revoke_api_token(session, context, token_id=token_id)
        result = f"トークン{len(live)}件失効 / {len(live)} tokens revoked"
    else:
        ended = 0
        for held in outside.roles_elsewhere(session, context):
            if held.user_id == user.id:
                ended += outside.revoke_elsewhere(
                    session, context, user_id=user.id, organisation_id=held.organisation_id
                )
        result = f"他組織での役割{ended}件取消し / {ended} roles withdrawn elsewhere"
    incidents.record_act(session, context, incident_id, act, target=str(user.id), result=result)
    return result


def seal_server(vault: Vault, session: Session, context: Context, incident_id: uuid.UUID) -> str:
    """Seal the vault: every session loses the keys at once (an emergency stop)."""
    incidents.incident(session, context, incident_id)
    sealing.seal_as(vault, session, context)
    result = "封印しました / sealed"
    incidents.record_act(session, context, incident_id, Act.SEAL_SERVER, result=result)
    return result


def rotate_keys(vault: Vault, context: Context, incident_id: uuid.UUID) -> str:
    """Rotate the key-encryption key (runs its own transactions, as `mnvault keys rotate`)."""
    with vault.transaction() as session:
        incidents.incident(session, context, incident_id)
    done = keys.rotate(vault.sessions, vault.keyring, context)
    result = f"鍵を版{done.to_version}に更新 / rotated to version {done.to_version}"
    with vault.transaction() as session:
        incidents.record_act(session, context, incident_id, Act.ROTATE_KEYS, result=result)
    return result
