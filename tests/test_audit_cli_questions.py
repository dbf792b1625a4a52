"""`mnvault audit person-usage | impact-scope | activity | report` as an auditor runs them,
in process (Typer's runner) on a real deployment: tables, CSV, Excel, the HTML and PDF
report, a clerk refused, and no number in any output or file."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.auth import services as auth
from mnvault.cli.main import app
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.crypto.totp import totp_code
from mnvault.db.base import utcnow
from mnvault.deployment import services as deployment
from mnvault.orgs.models import OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    PersonKind,
    RecipientKind,
)
from tests.cli_support import secret_of
from tests.conftest import synthetic_numbers

PASSPHRASE = "cli question test"
PASSWORD = "correct horse battery staple"
SLIP = "withholding_slip"


@dataclass
class Deployment:
    env: dict[str, str]
    persons: list[uuid.UUID]
    numbers: list[str]
    clerk: uuid.UUID
    outputs: list[str]

    def run(self, *args: str, user: str = "auditor") -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env={**self.env, "MNVAULT_USER": user})
        self.outputs.append(result.output)  # stdout and stderr, as a terminal shows them
        return result.exit_code, result.output


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Deployment]:
    settings = load_settings(tmp_path / "data", env={"MNVAULT_PASSPHRASE": PASSPHRASE})
    init = deployment.initialise(
        settings, organisation_name="試験株式会社", organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE, scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    numbers = synthetic_numbers(3, seed=77)
    vault = deployment.open_vault(settings, PASSPHRASE)
    try:
        with vault.transaction() as session:
            admin = session.scalars(select(User).where(User.login == "admin")).one()
            admin_ctx = Context(actor_id=admin.id, organisation_id=init.organisation_id)
            users = {}
            for login, role in (("auditor", Role.AUDITOR), ("clerk", Role.CLERK)):
                users[login] = access.create_user(
                    session,
                    admin_ctx,
                    home_organisation_id=init.organisation_id,
                    login=login,
                    display_name=login,
                    password=PASSWORD,
                )
                access.grant_role(
                    session, admin_ctx, user=users[login], organisation_id=init.organisation_id,
                    role=role,
                )  # fmt: skip
            access.assign(
                session, admin_ctx, user=users["clerk"],
                affair=get_affair(session, init.organisation_id, SLIP),
            )  # fmt: skip
        clerk = Context(actor_id=users["clerk"].id, organisation_id=init.organisation_id)
        persons = []
        with vault.transaction() as session:
            for index, number in enumerate(numbers):
                person = vs.create_person(
                    session, clerk, kind=PersonKind.EMPLOYEE, external_ref=f"C{index}",
                    name="試験 次郎",
                )  # fmt: skip
                vs.acquire(
                    session, vault.envelope, clerk, person_id=person.id, number=number,
                    verification=vs.IdentityVerification(
                        NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                        clerk.actor_id, utcnow(),
                    ),
                    affair_codes=[SLIP],
                )  # fmt: skip
                persons.append(person.id)
            vs.provide(
                session, clerk.for_affair(SLIP), person_ids=persons,
                recipient_kind=RecipientKind.TAX_OFFICE, recipient_name="麹町税務署",
                legal_basis="番号法第19条第2号", method="e-Tax",
            )  # fmt: skip
        # The clerk sees numbers, so signs in with a second factor (cli/signin.py).
        with vault.transaction() as session:
            token = auth.sign_in(
                session, organisation_code=init.organisation_code, login="clerk",
                password=PASSWORD,
            ).token  # fmt: skip
            uri = auth.begin_totp_enrolment(
                session, vault.envelope, token=token, account_name="clerk"
            )
        secret = secret_of(uri)
        with vault.transaction() as session:
            auth.confirm_totp_enrolment(
                session, vault.envelope, token=token, code=totp_code(secret, time.time())
            )
    finally:
        vault.close()
    env = {
        "MNVAULT_DATA_DIR": str(settings.data_dir),
        "MNVAULT_PASSPHRASE": PASSPHRASE,
        "MNVAULT_USER_PASSWORD": PASSWORD,
        "MNVAULT_ORGANISATION": init.organisation_code,
        # Read only by the clerk's one command; the auditor's role needs no second factor.
        "MNVAULT_TOTP": totp_code(secret, time.time() + 30),
    }
    deployed = Deployment(env, persons, numbers, users["clerk"].id, [])
    yield deployed
    for output in deployed.outputs:
        for number in numbers:
            assert number not in output


def test_an_auditor_asks_on_the_command_line(deployed: Deployment, tmp_path: Path) -> None:
    today = str(utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date())
    code, out = deployed.run("audit", "person-usage", str(deployed.persons[0]))
    assert code == 0, out
    assert "記録番号 / seq" in out and "number:acquire" in out and "provision:create" in out

    csv = tmp_path / "usage.csv"
    code, out = deployed.run(
        "audit", "person-usage", str(deployed.persons[0]), "--format", "csv", "--out", str(csv)
    )
    assert code == 0, out
    assert csv.read_bytes().startswith("\ufeff記録番号 / seq".encode())

    book = tmp_path / "scope.xlsx"
    code, out = deployed.run(
        "audit", "impact-scope", "--actor", str(deployed.clerk), "--from", today, "--to", today,
        "--format", "xlsx", "--out", str(book),
    )  # fmt: skip
    assert code == 0, out
    workbook = load_workbook(io.BytesIO(book.read_bytes()))
    assert workbook.sheetnames == ["persons", "affairs", "summary"]
    listed = {row[0] for row in workbook["persons"].iter_rows(min_row=3, values_only=True)}
    assert listed == {str(p) for p in deployed.persons}

    code, out = deployed.run("audit", "impact-scope", "--actor", str(deployed.clerk))
    assert code == 1 and "--from" in out
    code, out = deployed.run("audit", "impact-scope", "--from", today, "--to", today)
    assert code == 1 and "name an account" in out
    code, out = deployed.run("audit", "activity", "--kind", "provisions", "--from", today)
    assert code == 0, out
    assert "provision:create" in out and "clerk" in out
    code, out = deployed.run("audit", "activity", "--format", "csv")
    assert code == 0 and out.startswith("\ufeff種別 / kind,操作 / action")
    code, out = deployed.run("audit", "activity", "--kind", "take-outs")
    assert code == 0 and "該当なし / none" in out
    code, out = deployed.run("audit", "activity", "--format", "xlsx")
    assert code == 1 and "--out" in out

    code, out = deployed.run("audit", "activity", user="clerk")
    assert code == 1 and "audit:read" in out


def test_audit_report_writes_html_and_pdf(deployed: Deployment, tmp_path: Path) -> None:
    today = utcnow().astimezone(ZoneInfo("Asia/Tokyo")).date()
    out_dir = tmp_path / "report"
    code, out = deployed.run(
        "audit", "report", "--from", str(today - timedelta(days=30)), "--to", str(today),
        "--out-dir", str(out_dir), "--bulk-threshold", "3",
    )  # fmt: skip
    assert code == 0, out
    assert "audit entry #" in out
    html = (out_dir / "report.html").read_text("utf-8")
    assert "大量の持出し・提供" in html and "provision:create" in html
    assert (out_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    for number in deployed.numbers:
        assert number not in html
    code, out = deployed.run("audit", "report", "--from", "2026-13-01", "--to", str(today),
                             "--out-dir", str(out_dir))  # fmt: skip
    assert code == 1 and "--from" in out
