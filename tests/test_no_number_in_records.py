"""Numbers typed into the wrong field never reach the trail, a log or a stored free text
(issue #11, "No number in the trail, logs or free text").

- The audit-record boundary (mnvault.audit.redaction, used by every way an entry is built:
  one at a time, in bulk, for a refusal) redacts every text column and every string in
  the details, so an affair code, a reference, a reason or a name holding a number is
  recorded without it.
- Fields with a format are validated: an affair code that is not one is refused without
  being echoed.
- Free text a person types and the database keeps (correction and withdrawal reasons,
  purposes, names, disposal reasons, outside-request references …) is refused when it
  holds a number, with a bilingual message naming the field (refused, not redacted: the
  person can take the number out and send it again).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.disposal import batches
from mnvault.numbers import (
    generate_corporate_number,
    generate_my_number,
    generate_my_numbers,
    redact,
)
from mnvault.orgs import services as orgs
from mnvault.orgs.models import OrganisationKind
from mnvault.vault import exporter, withdrawal
from mnvault.vault import services as vs
from mnvault.vault.errors import NumberInText, UnknownAffair
from mnvault.vault.models import NumberCorrection, PersonKind, RecipientKind
from tests.conftest import World

SLIP = "withholding_slip"
NUMBER = generate_my_number(random.Random(11))
GROUPED = f"{NUMBER[:3]}-{NUMBER[3:6]}ー{NUMBER[6:9]} {NUMBER[9:]}"  # 3-3-3-3, mixed
CORPORATE = generate_corporate_number(random.Random(12))


def _digits_of(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def _trail_text(session: Session) -> str:
    """The trail's text fields, without the ids the vault made (whose hex digits may spell
    a valid number by chance, and which the boundary keeps)."""
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    text = "\n".join(
        repr((e.affair_code, e.request_id, e.client_address, json.dumps(e.details))) for e in rows
    )
    return _IDS.sub("<id>", text)


def test_the_audit_boundary_redacts_every_text_field(world: World) -> None:
    """Issue #11: numbers typed into the wrong field never reach the trail (one
    mechanism at the audit-record boundary: record, record_many, denial_entry)."""
    person = None
    with unit_of_work(world.sessions) as session:
        person = vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="R1", name="試験"
        )
        context = world.ctx("clerk", affair=GROUPED)
        audit.record(
            session, context, AuditAction.OUTSIDE_REQUEST_CREATE,
            client_address=f"10.0.0.1 {NUMBER}", request_id=NUMBER,
            details={"reference": f"{NUMBER}:alice", "reason": f"番号は{GROUPED}です",
                     "nested": {"names": [f"x{CORPORATE}y"], NUMBER: 1}},
        )  # fmt: skip
        audit.record_many(
            session, context, AuditAction.EXPORT_CREATE, [person.id],
            details={"purpose": f"持出し {NUMBER}"},
        )  # fmt: skip
        denied = AuthorizationDenied(
            permission="number:read", reason=f"affair {NUMBER}",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            affair_code=NUMBER, request_id=NUMBER, client_address=NUMBER,
        )  # fmt: skip
        audit.record_denial(session, denied)
    with world.sessions() as session:
        text = _trail_text(session)
    assert "[REDACTED:my_number]" in text and "[REDACTED:corporate_number]" in text
    assert NUMBER not in _digits_of(text) or redact(text) == text
    assert redact(text) == text
    assert CORPORATE not in text


def test_a_long_field_full_of_numbers_still_fits_its_column(world: World) -> None:
    """Redaction lengthens text; the entry still fits the 64-character columns (on
    PostgreSQL an overlong value would fail the operation being recorded)."""
    typed = " ".join([NUMBER] * 5)[:64]
    with unit_of_work(world.sessions) as session:
        audit.record(
            session, world.ctx("clerk", affair=typed), AuditAction.OUTSIDE_REQUEST_CREATE,
            client_address=typed,
        )  # fmt: skip
    with world.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None and entry.affair_code is not None
        assert len(entry.affair_code) <= 64 and NUMBER not in entry.affair_code


def test_a_number_typed_as_an_affair_code_is_refused_and_not_echoed(world: World) -> None:
    """Issue #11: affair codes are validated (they have a format) and never echoed."""
    for typed in (NUMBER, f"slip{NUMBER}", GROUPED):
        with world.sessions() as session, pytest.raises(UnknownAffair) as raised:
            get_affair(session, world.org.id, typed)
        assert NUMBER not in _digits_of(str(raised.value))
        assert redact(str(raised.value)) == str(raised.value)


def _person(world: World, ref: str = "E1") -> uuid.UUID:
    with unit_of_work(world.sessions) as session:
        return vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref=ref, name="試験"
        ).id


def _verification(world: World) -> vs.IdentityVerification:
    from datetime import UTC, datetime

    from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument

    return vs.IdentityVerification(
        NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
        world.users["clerk"].id, datetime(2026, 4, 1, tzinfo=UTC),
    )  # fmt: skip


def _acquired(world: World) -> uuid.UUID:
    person_id = _person(world, "HELD")
    with unit_of_work(world.sessions) as session:
        vs.acquire(
            session, world.envelope, world.ctx("clerk"), person_id=person_id,
            number=generate_my_number(random.Random(99)), verification=_verification(world),
            affair_codes=[SLIP, "dependent_deduction_declaration"],
        )  # fmt: skip
    return person_id


Attempt = Callable[[World, Session, str], object]


def _correct(world: World, session: Session, text: str) -> object:
    person_id = _acquired(world)
    return vs.correct(
        session, world.envelope, world.ctx("clerk", SLIP), person_id=person_id,
        number=generate_my_number(random.Random(98)), reason=text,
        verification=_verification(world),
    )  # fmt: skip


def _withdraw(world: World, session: Session, text: str) -> object:
    person_id = _acquired(world)
    return withdrawal.withdraw_affair(
        session, world.ctx("manager"), person_id=person_id,
        affair_code="dependent_deduction_declaration", reason=text,
    )  # fmt: skip


def _person_name(world: World, session: Session, text: str) -> object:
    return vs.create_person(
        session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="N1", name=text
    )


def _external_ref(world: World, session: Session, text: str) -> object:
    return vs.create_person(
        session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref=text, name="試験"
    )


def _export_purpose(world: World, session: Session, text: str) -> object:
    return exporter.request_export(
        session, world.ctx("clerk", SLIP), purpose=text,
        recipient="age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
    )  # fmt: skip


def _provision(world: World, session: Session, text: str) -> object:
    return vs.provide(
        session, world.ctx("clerk", SLIP), person_ids=[_acquired(world)],
        recipient_kind=RecipientKind.TAX_OFFICE, recipient_name=text,
        legal_basis="番号法第19条第2号", method="e-Tax",
    )  # fmt: skip


def _disposal_reason(world: World, session: Session, text: str) -> object:
    return batches.plan(session, world.ctx("manager"), today=date(2026, 4, 1), reason=text)


def _outside_reference(world: World, session: Session, text: str) -> object:
    return outside.request_outside_member(
        session, world.ctx("admin"), reference=text, roles=[Role.CLERK]
    )


def _display_name(world: World, session: Session, text: str) -> object:
    return access.add_member(
        session, world.ctx("admin"), login="newcomer", display_name=text, roles=[Role.CLERK]
    )


def _login(world: World, session: Session, text: str) -> object:
    return access.add_member(
        session, world.ctx("admin"), login=NUMBER, display_name="新人", roles=[Role.CLERK]
    )


def _organisation_name(world: World, session: Session, text: str) -> object:
    return orgs.create_organisation(session, name=text, kind=OrganisationKind.COMPANY)


ATTEMPTS: dict[str, tuple[Attempt, str]] = {
    "correction reason": (_correct, f"誤記 {GROUPED}"),
    "withdrawal reason": (_withdraw, f"対象外 {NUMBER}"),
    "person name": (_person_name, f"山田 {NUMBER}"),
    "external reference": (_external_ref, NUMBER),
    "take-out purpose": (_export_purpose, f"提出用 {GROUPED}"),
    "provision recipient": (_provision, f"税務署 {NUMBER}"),
    "disposal reason": (_disposal_reason, f"退職 {NUMBER}"),
    "outside reference": (_outside_reference, f"{NUMBER}:alice"),
    "display name": (_display_name, f"新人 {NUMBER}"),
    "login": (_login, NUMBER),
    "organisation name": (_organisation_name, f"会社 {CORPORATE}"),
}


@pytest.mark.parametrize("field", list(ATTEMPTS))
def test_free_text_holding_a_number_is_refused_with_a_bilingual_message(
    world: World, field: str
) -> None:
    """Issue #11: free-text fields stored in the database are refused when they contain a
    number, with a bilingual message naming the field and never echoing the text."""
    attempt, text = ATTEMPTS[field]
    with world.sessions() as before:
        entries_before = len(before.scalars(select(AuditEntry.seq)).all())
    with pytest.raises(NumberInText) as raised, unit_of_work(world.sessions) as session:
        attempt(world, session, text)
    message = str(raised.value)
    assert "番号" in message and "number" in message
    assert redact(message) == message and NUMBER not in _digits_of(message)
    with world.sessions() as after:
        assert len(after.scalars(select(AuditEntry.seq)).all()) >= entries_before
        assert redact(_trail_text(after)) == _trail_text(after)
        assert not after.scalars(select(NumberCorrection)).all()


def test_free_text_without_a_number_is_kept(world: World) -> None:
    """The refusal is about numbers only: dates and phone numbers in a reason stay."""
    with unit_of_work(world.sessions) as session:
        _correct(world, session, "2026-04-01 本人より連絡（03-1234-5678）")
    with world.sessions() as session:
        reasons = [c.reason for c in session.scalars(select(NumberCorrection))]
    assert reasons == ["2026-04-01 本人より連絡（03-1234-5678）"]


def test_take_out_csv_neutralises_formula_injection(world: World) -> None:
    """Issue #11 (Oracles and limits): take-out CSVs neutralise formula injection like the
    audit downloads do (one helper, mnvault.spreadsheet). One take-out holds a person for
    each formula start (its passphrase encryption is the test's cost)."""
    import csv
    import io

    import pyrage

    starts = ["=", "+", "-", "@"]
    numbers = generate_my_numbers(len(starts), seed=7)
    link = 'HYPERLINK("http://example.invalid","x")'
    formulas = {f"{start}{link}": n for start, n in zip(starts, numbers, strict=True)}
    with unit_of_work(world.sessions) as session:
        for formula, number in formulas.items():
            person = vs.create_person(
                session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref=formula,
                name=formula,
            )  # fmt: skip
            vs.acquire(
                session, world.envelope, world.ctx("clerk"), person_id=person.id,
                number=number, verification=_verification(world), affair_codes=[SLIP],
            )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        result = exporter.export_affair(
            session, world.envelope, world.ctx("clerk", SLIP), purpose="年末調整", passphrase="pw"
        )
    text = pyrage.passphrase.decrypt(result.encrypted, "pw").decode("utf-8")
    rows = {row[0]: row for row in list(csv.reader(io.StringIO(text, newline="")))[1:]}
    for formula, number in formulas.items():
        row = rows[f"'{formula}"]
        assert row[2] == f"'{formula}"
        assert row[3] == number


def test_one_helper_neutralises_every_formula_start() -> None:
    """Tab and CR cannot start a stored name (names are stripped); the helper that the
    take-out and the audit downloads share handles them too."""
    from mnvault.spreadsheet import neutralise

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise("山田 太郎") == "山田 太郎"
    assert neutralise("") == ""


def test_ids_the_vault_made_are_recorded_unchanged(world: World) -> None:
    """A UUID whose hex digits happen to spell a valid number is an id, not a number: the
    boundary keeps it (redacting would break the id and protect no one)."""
    spelled = f"{NUMBER[:8]}-{NUMBER[8:12]}-4000-8000-00000000000a"
    assert redact(spelled) != spelled  # the hazard is real
    with unit_of_work(world.sessions) as session:
        entry = audit.record(
            session, world.ctx("admin"), AuditAction.OUTSIDE_REQUEST_CREATE,
            request_id=uuid.UUID(spelled).hex, details={"request_id": spelled},
        )  # fmt: skip
        assert entry.details == {"request_id": spelled}
        assert entry.request_id == uuid.UUID(spelled).hex


def test_digests_and_signatures_the_vault_made_are_recorded_unchanged(world: World) -> None:
    """A prune entry's signature, archive digest and key id are hex the vault wrote; about
    one Ed25519 signature in a hundred spells a valid number somewhere. Redacting it made
    the prune unverifiable ("the prune record is missing or not signed by a trusted key",
    seen once in a full test run). Only whole 64/128-digit lower-case hex is kept: the same
    digits in free text, or hex of another length, are still redacted."""
    digest = NUMBER + "a" * 52
    signature = "b" * 58 + NUMBER + "c" * 58
    assert redact(digest) != digest and redact(signature) != signature  # the hazard is real
    with unit_of_work(world.sessions) as session:
        entry = audit.record(
            session, world.ctx("admin"), AuditAction.AUDIT_PRUNE,
            details={"archive_sha256": digest, "key_id": digest, "signature": signature,
                     "reason": f"see {digest}", "short": digest[:63], "upper": digest.upper()},
        )  # fmt: skip
        details = entry.details
    assert details is not None
    assert (details["archive_sha256"], details["key_id"]) == (digest, digest)
    assert details["signature"] == signature
    for field in ("reason", "short", "upper"):
        assert NUMBER not in details[field], field
