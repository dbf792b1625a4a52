"""Sealing and unsealing a running server (`mnvault seal`, `mnvault unseal`; DESIGN.md §4).

Unsealing needs the keyring's passphrase and nothing else: while sealed nobody can sign
in (a second factor is sealed under the KEK too), so the passphrase is the operator's
only credential, as in HashiCorp Vault. Sealing is an emergency stop: the operator with
the passphrase, or a signed-in administrator or manager (permission ``keyring:seal``),
may do it. Every attempt, refused ones included, is audited; the passphrase never is.
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.crypto import KeyringError, LocalKeyring
from mnvault.deployment import services
from mnvault.deployment.errors import DeploymentError, WrongPassphrase
from mnvault.deployment.services import Vault

# One unseal at a time: each costs a scrypt derivation (its memory and CPU are the
# point), and a burst of guesses must not multiply it.
_UNSEAL = threading.Lock()


def unseal_with(vault: Vault, passphrase: str, *, client_address: str | None) -> bool:
    """Unseal; False if it already was (nothing changes, nothing is recorded)."""
    with _UNSEAL:
        if not vault.keyring.sealed:
            return False
        try:
            services.unseal(vault, passphrase)
        except DeploymentError as exc:
            _record(vault, AuditAction.KEYRING_UNSEAL, client_address, refused=exc)
            raise
        _record(vault, AuditAction.KEYRING_UNSEAL, client_address)
        return True


def seal_with_passphrase(vault: Vault, passphrase: str, *, client_address: str | None) -> bool:
    """The operator's seal: the passphrase proves who asks. False if already sealed."""
    with _UNSEAL:
        if vault.keyring.sealed:
            return False
        try:
            # A separate instance: proving the passphrase must not touch the live keys.
            LocalKeyring.open(vault.keyring.path, passphrase).seal()
        except KeyringError as exc:
            refused = WrongPassphrase()
            _record(vault, AuditAction.KEYRING_SEAL, client_address, refused=refused)
            raise refused from exc
        services.seal(vault)
        _record(vault, AuditAction.KEYRING_SEAL, client_address)
        return True


def seal_as(vault: Vault, session: Session, context: Context) -> None:
    """A signed-in administrator's or manager's seal (recorded in their transaction)."""
    authorize(session, context, Permission.KEYRING_SEAL, organisation_resource(context))
    services.seal(vault)
    audit.record(session, context, AuditAction.KEYRING_SEAL, details={"by": "user"})


def _record(
    vault: Vault,
    action: AuditAction,
    client_address: str | None,
    *,
    refused: DeploymentError | None = None,
) -> None:
    with vault.transaction() as session:
        audit.record(
            session,
            None,
            action,
            outcome=Outcome.DENIED if refused else Outcome.OK,
            client_address=client_address,
            details={"by": "passphrase", **({"reason": refused.message_en} if refused else {})},
        )
