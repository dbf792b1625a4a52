"""JSON routes of the keys: KEK versions with their wrapped-key counts, and rotation."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel

from mnvault.deployment.requests import vault_of
from mnvault.keys import services as keys
from mnvault.web.calls import Call, call
from mnvault.web.problems import SIGNED_IN

router = APIRouter(tags=["keys"], responses=SIGNED_IN)


class VersionOut(BaseModel):
    version: int
    state: str
    created_at: str
    destroyed_at: str | None
    wrapped_keys: int


class StatusOut(BaseModel):
    versions: list[VersionOut]
    open_rotation_to_version: int | None
    open_rotation_rewrapped: int | None


class RotationOut(BaseModel):
    rotation_id: uuid.UUID
    to_version: int
    rewrapped: int
    destroyed_versions: list[int]
    resumed: bool


@router.get("/keys", response_model=StatusOut)
def status(request: Request) -> StatusOut:
    keyring = vault_of(request).keyring

    def work(call: Call) -> StatusOut:
        versions, open_ = keys.status(call.session, keyring, call.context)
        return StatusOut(
            versions=[
                VersionOut(
                    version=v.version,
                    state=v.state,
                    created_at=v.created_at,
                    destroyed_at=v.destroyed_at,
                    wrapped_keys=v.wrapped_keys,
                )
                for v in versions
            ],
            open_rotation_to_version=open_.to_version if open_ else None,
            open_rotation_rewrapped=open_.rewrapped if open_ else None,
        )

    return call(request, work)


@router.post("/keys/rotate", response_model=RotationOut)
def rotate(request: Request) -> RotationOut:
    """Rotate (or resume), re-wrap every data key, destroy unused old versions."""
    context = call(request, lambda call: call.context)
    vault = vault_of(request)
    result = keys.rotate(vault.sessions, vault.keyring, context)
    return RotationOut(
        rotation_id=result.rotation_id,
        to_version=result.to_version,
        rewrapped=result.rewrapped,
        destroyed_versions=result.destroyed_versions,
        resumed=result.resumed,
    )
