"""A KEK rotation re-wraps the TOTP secrets too (DESIGN.md §4: rotation re-wraps every
data key online). Before this, the first disposal run destroyed the KEK version the
enrolled users' TOTP secrets were wrapped under, and none of them could sign in again."""

from __future__ import annotations

import pytest

from mnvault.auth.models import UserSecurity
from tests.api_support import Api, api, bearer
from tests.disposal_support import no_grace

__all__ = ["api", "no_grace"]


@pytest.mark.usefixtures("no_grace")
def test_users_sign_in_with_their_totp_after_the_old_kek_is_destroyed(api: Api):
    api.full_session("clerk")
    api.full_session("manager")
    rotated = api.client.post("/api/v1/keys/rotate", headers=bearer(api.full_session("admin")))
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["destroyed_versions"] == [1]
    with api.vault.transaction() as session:
        versions = {s.totp_kek_version for s in session.query(UserSecurity) if s.totp_wrapped_key}
    assert versions == {2}
    # The second factor still opens: full_session answers it with the enrolled secret.
    assert api.full_session("clerk")
    assert api.full_session("manager")
