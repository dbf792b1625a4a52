"""Issue #13, Organisation kinds: agency roles use the names of 行政機関等編 別添1 2C a —
総括責任者 (行政機関等に各１名), 保護責任者 (個人番号利用事務等を実施する
課室等に各１名), 監査責任者 — shown per
organisation kind, and the compliance checks of those measures name who holds them."""

from __future__ import annotations

import re
import uuid

import pytest

from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.access.role_names import names_for
from mnvault.compliance import checks
from mnvault.orgs.models import Organisation, OrganisationKind
from tests.conftest import World
from tests.test_compliance_checks import NOW
from tests.test_retention_citations import _copy, _flat
from tests.web_support import Web, web

__all__ = ["web"]

K = OrganisationKind

# (kind, role, name shown, passage of the guideline that names it)
NAME_CASES = [
    pytest.param(K.LOCAL_GOVERNMENT, Role.CHIEF_OFFICER, "総括責任者",
                 "総括責任者（行政機関等に各１名）の設置及び責任の明確化",
                 id="行政機関等編 別添1 2C a 総括責任者"),
    pytest.param(K.ADMINISTRATIVE_AGENCY, Role.PROTECTION_MANAGER, "保護責任者",
                 "保護責任者（個人番号利用事務等を実施する課室等に各１名）の設置及び責任の明確化",
                 id="行政機関等編 別添1 2C a 保護責任者"),
    pytest.param(K.LOCAL_GOVERNMENT, Role.AUDITOR, "監査責任者",
                 "監査責任者の設置及び責任の明確化", id="行政機関等編 別添1 2C a 監査責任者"),
    pytest.param(K.LOCAL_GOVERNMENT, Role.CLERK, "事務取扱担当者",
                 "事務取扱担当者及びその役割の明確化", id="行政機関等編 別添1 2C a 事務取扱担当者"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "role", "name", "passage"), NAME_CASES)
def test_agency_role_names_are_the_current_texts(kind, role, name, passage):
    assert names_for(kind)[role.value][0] == name
    text = _flat(_copy("ppc-guideline-government.txt").read_text("utf-8"))
    assert _flat(passage) in text
    assert name in passage


def test_the_old_names_are_gone():
    """総括保護管理者 / 保護管理者 are not the names of the 2025 text."""
    text = _flat(_copy("ppc-guideline-government.txt").read_text("utf-8"))
    for kind in K:
        for ja, _en in names_for(kind).values():
            assert ja not in ("総括保護管理者", "保護管理者")
    assert "総括保護管理者" not in text


def test_a_company_reads_the_business_names():
    assert names_for(K.COMPANY)[Role.MANAGER.value][0] == "事務取扱責任者"
    assert names_for(K.LOCAL_GOVERNMENT)[Role.MANAGER.value][0] != "事務取扱責任者"


def _user(session, org: Organisation, role: Role, login: str):  # type: ignore[no-untyped-def]
    user = access.create_user(
        session, None, home_organisation_id=org.id, login=login,
        display_name=login, password="correct horse battery staple",
    )  # fmt: skip
    access.grant_role(session, None, user=user, organisation_id=org.id, role=role)
    return user


def test_the_checks_name_who_holds_the_roles(world: World):
    """行政機関等編 別添1 2C a: the checks of G-2Ca.1/.2/.3 say who holds each role."""
    with world.sessions() as session:
        agency = Organisation(name="試験市", kind=K.LOCAL_GOVERNMENT.value)
        session.add(agency)
        session.flush()
        suffix = uuid.uuid4().hex[:4]
        _user(session, agency, Role.CHIEF_OFFICER, f"somu-{suffix}")
        _user(session, agency, Role.PROTECTION_MANAGER, f"shimin-{suffix}")
        _user(session, agency, Role.AUDITOR, f"kansa-{suffix}")
        probe = checks.Probe(session, agency.id, NOW, NOW.date(), None)
        assert f"somu-{suffix}" in checks.chief_officer(probe).reason_ja
        assert f"shimin-{suffix}" in checks.protection_manager(probe).reason_ja
        assert f"kansa-{suffix}" in checks.audit_officer(probe).reason_en


def test_the_users_screen_shows_the_names_of_the_kind(web: Web):
    with web.api.vault.transaction() as session:
        session.get_one(Organisation, web.api.organisation_id).kind = K.LOCAL_GOVERNMENT.value
    admin = web.browser()
    admin.sign_in("admin")
    page = admin.get("/admin/users")
    assert re.search(r'data-role="auditor">監査責任者<', page.text), page.text
    assert "総括保護管理者" not in page.text
