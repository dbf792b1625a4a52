"""What the REST API tests share: a real app on a temporary data directory, its users,
and signing in through the real password + TOTP flow.

`api` is a pytest fixture; a test module uses it by importing it (``from
tests.api_support import api``) so that pytest finds it in the module's namespace.
"""

from __future__ import annotations

import atexit
import base64
import shutil
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.app import create_app
from mnvault.config import Settings, load_settings
from mnvault.crypto import ScryptParams
from mnvault.crypto.totp import totp_code
from mnvault.deployment import services as deployment
from mnvault.orgs.models import OrganisationKind
from tests.support.copies import copy_deployment

PASSWORD = "correct horse battery staple"
SLIP = "withholding_slip"
DEPENDENT_DECLARATION = "dependent_deduction_declaration"
PASSPHRASE = "api test"
ORGANISATION_CODE = "shiken"

# login -> role; "clerk" and "payroll" (the system user behind API tokens, assigned by
# the manager) are assigned to SLIP and DEPENDENT_DECLARATION; "clerk2" to nothing.
USERS: dict[str, Role] = {
    "clerk": Role.CLERK,
    "clerk2": Role.CLERK,
    "manager": Role.MANAGER,
    "auditor": Role.AUDITOR,
    "payroll": Role.CLERK,
}
ASSIGNED = ("clerk", "payroll")
SYSTEM_USERS = ("payroll",)  # acts by API tokens only, never signs in


@dataclass
class Api:
    client: TestClient
    vault: deployment.Vault
    users: dict[str, uuid.UUID]
    secrets: dict[str, bytes] = field(default_factory=dict)
    organisation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    organisation_code: str = ORGANISATION_CODE

    @property
    def app(self) -> FastAPI:
        app = self.client.app
        assert isinstance(app, FastAPI)
        return app

    def sign_in(
        self, login: str, password: str = PASSWORD, *, code: str | None = None
    ) -> dict[str, object]:
        body = self.credentials(login, password, code=code)
        response = self.client.post("/api/v1/auth/sign-in", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def credentials(
        self, login: str, password: str = PASSWORD, *, code: str | None = None
    ) -> dict[str, str]:
        """The sign-in body: the home organisation's code (by default the deployment's
        first organisation), the login and the password."""
        code = code or self.organisation_code
        return {"organisation_code": code, "login": login, "password": password}

    def full_session(self, login: str, *, code: str | None = None) -> str:
        """Sign in; enrol TOTP on first use; answer the second factor."""
        result = self.sign_in(login, code=code)
        token = str(result["token"])
        auth = bearer(token)
        if result["stage"] == "enrol":
            uri = self.client.post("/api/v1/auth/totp/enrol", headers=auth).json()["otpauth_uri"]
            secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
            self.secrets[login] = base64.b32decode(secret + "=" * (-len(secret) % 8))
            codes = self.client.post(
                "/api/v1/auth/totp/confirm", headers=auth,
                json={"code": totp_code(self.secrets[login], time.time())},
            )  # fmt: skip
            assert codes.status_code == 200, codes.text
            assert len(codes.json()["recovery_codes"]) == 10
        elif result["stage"] == "password":
            # A later step than the one used at enrolment, so the code is not a replay.
            code = totp_code(self.secrets[login], time.time() + 30)
            done = self.client.post("/api/v1/auth/second-factor", headers=auth, json={"code": code})
            assert done.status_code == 200, done.text
        return token

    def admin_context(self) -> Context:
        return Context(actor_id=self.users["admin"], organisation_id=self.organisation_id)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


_template: dict[str, object] = {}


def _initialised_template() -> tuple[Path, deployment.InitResult]:
    """One initialised SQLite deployment per process (each xdist worker has its own),
    copied by every test: a migrated schema costs more than the rest of a test."""
    if "data" not in _template:
        root = Path(tempfile.mkdtemp(prefix="mnvault-api-template-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        settings = load_settings(root / "data", env={"MNVAULT_PASSPHRASE": PASSPHRASE})
        _template["init"] = _initialise(settings)
        _template["data"] = root / "data"
    return _template["data"], _template["init"]  # type: ignore[return-value]


def _initialise(settings: Settings) -> deployment.InitResult:
    return deployment.initialise(
        settings, organisation_name="試験株式会社", organisation_kind=OrganisationKind.COMPANY,
        organisation_code=ORGANISATION_CODE, passphrase=PASSPHRASE,
        scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip


@contextmanager
def open_api(tmp_path: Path, database_url: str | None = None) -> Iterator[Api]:
    """A deployment with one organisation, an admin and the users of ``USERS``; on
    SQLite in ``tmp_path`` (a copy of this process's initialised template), or on an
    empty PostgreSQL database (or schema) given."""
    env = {"MNVAULT_PASSPHRASE": PASSPHRASE}
    if database_url:
        env["MNVAULT_DATABASE_URL"] = database_url
    settings = load_settings(tmp_path / "data", env=env)
    if database_url:
        init = _initialise(settings)
    else:
        template, init = _initialised_template()
        copy_deployment(template, settings.data_dir)
    app = create_app(settings)
    vault: deployment.Vault = app.state.vault
    users: dict[str, uuid.UUID] = {}
    with vault.transaction() as session:
        admin = session.scalars(select(User).where(User.login == "admin")).one()
        admin.password_hash = access.hash_password(PASSWORD)
        admin.must_change_password = False  # the password-change flow has its own test
        users["admin"] = admin.id
        admin_ctx = Context(actor_id=admin.id, organisation_id=init.organisation_id)
        for login, role in USERS.items():
            user = access.create_user(
                session, None, home_organisation_id=init.organisation_id, login=login,
                display_name=login, password=PASSWORD,
            )  # fmt: skip
            # Tokens belong only to system users, whose affairs a manager sets (issue #11).
            user.is_system = login in SYSTEM_USERS
            access.grant_role(
                session, None, user=user, organisation_id=init.organisation_id, role=role
            )
            users[login] = user.id
            if login in ASSIGNED:
                by = (
                    admin_ctx
                    if login not in SYSTEM_USERS
                    else Context(actor_id=users["manager"], organisation_id=init.organisation_id)
                )
                for code in (SLIP, DEPENDENT_DECLARATION):
                    access.assign(
                        session, by, user=user,
                        affair=get_affair(session, init.organisation_id, code),
                    )  # fmt: skip
    with TestClient(app) as client:
        yield Api(client, vault, users, {}, init.organisation_id, init.organisation_code)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with open_api(tmp_path) as opened:
        yield opened


def acquire(api: Api, token: str, ref: str, number: str) -> str:
    """Create an employee and acquire ``number`` for SLIP through the API; the person's id."""
    person = api.client.post(
        "/api/v1/persons", headers=bearer(token),
        json={"kind": "employee", "external_ref": ref, "name": "試験 一郎"},
    )  # fmt: skip
    assert person.status_code == 201, person.text
    person_id = str(person.json()["id"])
    acquired = api.client.post(
        f"/api/v1/persons/{person_id}/number", headers=bearer(token),
        json={"my_number": number, "affairs": [SLIP],
              "verification": {"number_check_document": "my_number_card",
                               "identity_check_document": "my_number_card"}},
    )  # fmt: skip
    assert acquired.status_code == 201, acquired.text
    assert acquired.json()["number_masked"] == "************"
    return person_id


def system_token(
    api: Api, admin: str, affairs: list[str], *, login: str = "payroll"
) -> dict[str, str]:
    """An API token for a system user, asked for by ``admin`` and approved by the manager
    (a token that can return a number works only then; issue #11). The creation's body."""
    created = api.client.post(
        "/api/v1/tokens", headers=bearer(admin),
        json={"user_id": str(api.users[login]), "name": "給与システム", "affairs": affairs},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    approved = api.client.post(
        f"/api/v1/tokens/{created.json()['id']}/approve",
        headers=bearer(api.full_session("manager")),
    )
    assert approved.status_code == 200, approved.text
    return dict(created.json())
