"""Issue #13, Affairs: a legal basis that names what shared/legal does not hold — 番号法 別表
(not in the project's copy of mynumber-act.txt) and the statutes marked OUTSIDE in the
catalogue — is marked "verify on e-Gov" in the affairs table and the API, never printed as
if checked; an organisation's own use affair citing a 別表 item is marked too."""

from __future__ import annotations

import re

import pytest

from mnvault.affairs.catalogue import CATALOGUE, OUTSIDE, verify_on_egov
from mnvault.affairs.models import AffairKind
from tests.test_retention_citations import _copy, _flat
from tests.web_support import Web, web

__all__ = ["web"]

BY_CODE = {a.code: a for a in CATALOGUE}

# (kind, basis, marked?, why)
CASES = [
    pytest.param(AffairKind.USE, BY_CODE["resident_tax_assessment"].legal_basis, True,
                 id="別表 (地方税法の項): not in shared/legal"),
    pytest.param(AffairKind.RELATED, BY_CODE["zaikei_savings"].legal_basis, True,
                 id="租税特別措置法第4条の2: outside shared/legal"),
    pytest.param(AffairKind.RELATED, BY_CODE["withholding_slip"].legal_basis, False,
                 id="番号法第9条第4項: in mynumber-act.txt"),
    pytest.param(AffairKind.USE, "番号法第9条第1項・別表第三十項", True,
                 id="an own use affair's 別表 item number: unchecked"),
    pytest.param(AffairKind.RELATED, "番号法第9条第4項", False, id="an own related affair"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "basis", "marked"), CASES)
def test_what_is_marked_verify_on_egov(kind, basis, marked):
    assert verify_on_egov(kind, basis) is marked


def test_the_act_copy_has_no_beppyo():
    """Why 別表 items are marked: the copy of the Act ends before its 別表."""
    text = _flat(_copy("mynumber-act.txt").read_text("utf-8"))
    assert not re.search(r"別表[（(]第九条関係[）)]", text)
    assert all(OUTSIDE in a.legal_basis for a in CATALOGUE if a.kind is AffairKind.USE)


def test_the_affairs_table_and_api_mark_them(web: Web):
    manager = web.browser()
    manager.sign_in("manager")
    page = manager.get("/affairs")
    assert page.status_code == 200, page.text
    row = re.search(
        r"<tr[^>]*><td><small class=\"code-ref\">zaikei_savings.*?</tr>", page.text, re.S
    )
    assert row and 'data-verify="egov"' in row.group(0) and "e-Govで要確認" in row.group(0)
    plain = re.search(
        r"<tr[^>]*><td><small class=\"code-ref\">withholding_slip.*?</tr>", page.text, re.S
    )
    assert plain and 'data-verify="egov"' not in plain.group(0)
    from tests.api_support import bearer

    listed = web.api.client.get(
        "/api/v1/affairs", headers=bearer(web.api.full_session("clerk"))
    ).json()
    marks = {a["code"]: a["verify_on_egov"] for a in listed}
    assert marks["zaikei_savings"] is True and marks["withholding_slip"] is False
