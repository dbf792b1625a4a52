"""`mnvault user change-password`: a user changes their own password from the CLI (the
API and the screens already could). NIST SP 800-63B rules apply; every session ends."""

from __future__ import annotations

from tests.test_cli_flow import CLERK_PASSWORD, Deployment, deployment, mnvault

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow

NEW = "sato now keeps the slips under a longer phrase"


def test_change_own_password(deployment: Deployment) -> None:
    env = deployment.env

    def run(args: list[str], **extra: str) -> tuple[int, str]:
        result = mnvault(args, {**env, **deployment.code("sato"), **extra})
        return result.returncode, result.stdout + result.stderr

    code, out = run(["user", "change-password"], MNVAULT_NEW_PASSWORD="password")
    assert code == 1 and "エラー / error" in out  # a common password is refused
    code, out = run(["user", "change-password"], MNVAULT_NEW_PASSWORD=NEW)
    assert code == 0, out
    assert "sign in again" in out
    code, out = run(["person", "show", "E0000001"])  # the old password
    assert code == 1 and "sign-in failed" in out
    code, out = run(["person", "show", "E0000001"], MNVAULT_USER_PASSWORD=NEW)
    assert "sign-in failed" not in out  # signed in; no such person is held yet
    assert CLERK_PASSWORD not in out and NEW not in out
