"""JSON routes to seal and unseal a running server (`mnvault seal` / `mnvault unseal`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mnvault.deployment import sealing
from mnvault.deployment.services import Vault
from mnvault.web.calls import Call, call, client_of
from mnvault.web.problems import WITH_BODY, Sealed, problem_responses

router = APIRouter(tags=["keyring"], responses=problem_responses(401, 403, 503) | WITH_BODY)


class Passphrase(BaseModel):
    passphrase: str = Field(min_length=1, max_length=1024)


class SealBody(BaseModel):
    # Without it the caller must be a signed-in administrator or manager (bearer token).
    passphrase: str | None = Field(default=None, min_length=1, max_length=1024)


class SealState(BaseModel):
    sealed: bool
    changed: bool


def _vault(request: Request) -> Vault:
    vault: Vault | None = request.app.state.vault
    if vault is None:  # not opened at all (no keyring, no database): nothing to unseal
        raise Sealed()
    return vault


@router.post("/unseal", response_model=SealState)
def unseal(request: Request, body: Passphrase) -> SealState:
    """Unseal with the keyring's passphrase (audited, refusals too)."""
    vault = _vault(request)
    changed = sealing.unseal_with(vault, body.passphrase, client_address=client_of(request))
    return SealState(sealed=False, changed=changed)


@router.post("/seal", response_model=SealState)
def seal(request: Request, body: SealBody | None = None) -> SealState:
    """Seal: drop the keys from memory. With the passphrase, or as a signed-in
    administrator or manager."""
    vault = _vault(request)
    if body is not None and body.passphrase is not None:
        changed = sealing.seal_with_passphrase(
            vault, body.passphrase, client_address=client_of(request)
        )
        return SealState(sealed=True, changed=changed)
    if vault.keyring.sealed:
        return SealState(sealed=True, changed=False)

    def work(call: Call) -> None:
        sealing.seal_as(vault, call.session, call.context)

    call(request, work)
    return SealState(sealed=True, changed=True)
