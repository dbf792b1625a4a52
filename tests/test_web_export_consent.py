"""Issue #13, Provision: the /exports form offers what the service asks of a take-out to a
recipient outside the organisation — 第19条第4号 records the person's consent (given when,
naming the recipient and the data), 第16号 which of its conditions applies
(本人の同意があり、又は本人の同意を得ることが困難であるとき) — as the API already does
(vault/outside_takeout.py, vault/provision.py; mynumber-act.txt 第十九条第四号・第十六号)."""

from __future__ import annotations

import random
import re

import pyrage
import pytest
from sqlalchemy import select

from mnvault.numbers import generate_my_number
from mnvault.vault.models import ExportRequest
from tests.api_support import acquire
from tests.web_support import Web, web

__all__ = ["web"]

SLIP = "withholding_slip"

# (item, consent/condition fields, accepted?, what is stored, source)
CASES = [
    pytest.param("番号法第19条第4号", {}, False, None,
                 id="第4号 without consent: refused (第十九条第四号 当該従業者等の同意を得て)"),
    pytest.param("番号法第19条第4号",
                 {"consent_given_on": "2026-11-30", "consent_recipient": "出向先 株式会社試験",
                  "consent_data": "個人番号・氏名"}, True,
                 {"given_on": "2026-11-30", "recipient": "出向先 株式会社試験",
                  "data": "個人番号・氏名"},
                 id="第4号 with the consent's date, recipient and data (第十九条第四号)"),
    pytest.param("番号法第19条第16号", {}, False, None,
                 id="第16号 without its condition: refused (第十九条第十六号)"),
    pytest.param("番号法第19条第16号", {"item16_condition": "consent_difficult"}, True,
                 "consent_difficult", id="第16号 本人の同意を得ることが困難であるとき"),
]  # fmt: skip


@pytest.mark.parametrize(("basis", "fields", "accepted", "stored"), CASES)
def test_the_take_out_form_asks_for_consent_and_condition(
    web: Web, basis: str, fields: dict[str, str], accepted: bool, stored: object
):
    number = generate_my_number(random.Random(7707))
    acquire(web.api, web.api.full_session("clerk"), "C1", number)
    clerk = web.browser()
    clerk.sign_in("clerk")
    form = clerk.get("/exports")
    for field in ("consent_given_on", "consent_recipient", "consent_data", "item16_condition"):
        assert f'id="{field}"' in form.text
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    answer = clerk.submit("/exports", "/exports", {
        "affair": SLIP, "purpose": "出向先への提供", "recipient": recipient,
        "outside_recipient_name": "株式会社試験", "outside_recipient_kind": "other",
        "outside_basis": basis, **fields,
    })  # fmt: skip
    if not accepted:
        assert answer.status_code == 422, answer.text
        assert 'id="form-error"' in answer.text
        return
    found = re.fullmatch(r"/exports/([0-9a-f-]{36})", answer.url.path)
    assert found, answer.text
    with web.api.vault.transaction() as session:
        row = session.scalars(select(ExportRequest)).one()
        provision = row.outside_provision
    assert provision is not None
    if isinstance(stored, dict):
        assert provision["article19_item"] == 4 and provision["consent"] == stored
    else:
        assert provision["article19_item"] == 16 and provision["item16_condition"] == stored


def test_a_number_typed_into_the_consent_never_comes_back(web: Web):
    number = generate_my_number(random.Random(7708))
    acquire(web.api, web.api.full_session("clerk"), "C2", generate_my_number(random.Random(7709)))
    clerk = web.browser()
    clerk.sign_in("clerk")
    grouped = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    answer = clerk.submit("/exports", "/exports", {
        "affair": SLIP, "purpose": "出向", "recipient": "age1bad",
        "outside_recipient_name": "株式会社試験", "outside_basis": "番号法第19条第4号",
        "consent_given_on": "2026-11-30", "consent_recipient": "株式会社試験",
        "consent_data": f"番号 {grouped}",
    })  # fmt: skip
    assert answer.status_code == 422
    assert number not in answer.text and grouped not in answer.text
