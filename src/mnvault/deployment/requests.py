"""The deployment's vault as a route finds it: the whole :class:`Vault` (its keyring,
settings, transactions), for the routes that hand it to services (sign-in, key rotation,
the trail's verification). The frame's ``web.calls.vault_of`` answers only the part the
frame itself uses, since the frame imports no domain package."""

from __future__ import annotations

from typing import cast

from fastapi import Request

from mnvault.deployment.services import Vault
from mnvault.web import calls


def vault_of(request: Request) -> Vault:
    """The unsealed vault (Sealed, a 503, when it is not)."""
    return cast(Vault, calls.vault_of(request))
