"""Issue #13, Organisation kinds: the small-business answers (事業者編 別添1 2 (注)) are stored
per organisation, asked by init / org create / the settings screen and API, shown with their
result, and read by the rules that give the 中小規模事業者における対応方法 (the compliance
spine's obligations, the disposal confirmation) instead of the registered kind alone; the
screens that show the small-business method warn when the answers say it no longer applies.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.catalogue import Obligation
from mnvault.disposal import services as disposal
from mnvault.disposal.errors import SettingLocked
from mnvault.orgs import services as orgs
from mnvault.orgs import small_business as sb
from mnvault.orgs import standing
from mnvault.orgs.models import Organisation, OrganisationKind, OrganisationSettings
from mnvault.vault.errors import InvalidInput
from tests.api_support import bearer
from tests.cli_support import mnvault
from tests.conftest import World
from tests.web_support import Web, web

__all__ = ["web"]

K = OrganisationKind
E = sb.Exclusion
NO = {e: False for e in E}
NONE: frozenset[sb.Exclusion] = frozenset()

# (registered kind, answers (None: never answered), relief?, lapsed?, binding column, source)
STANDING_CASES = [
    pytest.param(K.SMALL_BUSINESS, sb.Declaration(40, NONE), True, False, K.SMALL_BUSINESS,
                 id="40人・除外なし: 中小規模事業者 (事業者編 別添1 2 (注))"),
    pytest.param(K.SMALL_BUSINESS, sb.Declaration(101, NONE), False, True, K.COMPANY,
                 id="101人: 100人以下でない → 事業者の措置 (別添1 2 (注))"),
    pytest.param(K.SMALL_BUSINESS, sb.Declaration(10, frozenset({E.CONTRACTOR})), False, True,
                 K.COMPANY, id="委託に基づいて…業務として行う事業者を除く (別添1 2 (注))"),
    pytest.param(K.SMALL_BUSINESS, sb.Declaration(10, frozenset({E.OVER_5000_PERSONS})), False,
                 True, K.COMPANY, id="過去６月以内…5,000を超える事業者を除く (別添1 2 (注))"),
    pytest.param(K.SMALL_BUSINESS, None, True, False, K.SMALL_BUSINESS,
                 id="registered before the questions: kept, and asked to answer"),
    pytest.param(K.COMPANY, sb.Declaration(30, NONE), False, False, K.COMPANY,
                 id="a qualifying company that uses the examples: より望ましい対応 (別添1 2)"),
    pytest.param(K.FINANCIAL_INSTITUTION, None, False, False, K.FINANCIAL_INSTITUTION,
                 id="金融分野の事業者を除く (別添1 2 (注))"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "declaration", "relief", "lapsed", "column"), STANDING_CASES)
def test_what_the_answers_decide(kind, declaration, relief, lapsed, column):
    result = standing.standing_of(kind, declaration)
    assert result.relief_applies is relief
    assert result.lapsed is lapsed
    assert result.effective_kind is column
    assert (result.warning() is not None) is lapsed
    if lapsed:
        assert "別添1 2 (注)" in result.warning()[0]  # type: ignore[index]


def test_the_settings_store_the_answers_audited_and_say_why(world: World):
    """Item 1: stored per organisation, by its administrator only, in the trail."""
    with world.sessions() as session, session.begin():
        with pytest.raises(InvalidInput):  # every question answered
            standing.answer(session, world.ctx("admin"), employees=20, answers={})
        with pytest.raises(AuthorizationDenied):
            standing.answer(session, world.ctx("clerk"), employees=20, answers=dict(NO))
        result = standing.answer(
            session, world.ctx("admin"), employees=150, answers=dict(NO) | {E.FINANCIAL: True}
        )
        assert not result.qualifies and result.reasons == ("employees>100", "financial")
        texts = [ja for ja, _ in result.lines()]
        assert texts[0].startswith("中小規模事業者に当たりません")
        assert "従業員の数が100人を超えています" in texts and "金融分野の事業者です" in texts
        row = session.get_one(OrganisationSettings, world.org.id)
        assert (row.employees, row.financial, row.contractor) == (150, True, False)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "organisation:small_business_answer")
        ).one()
        assert entry.details["reasons"] == ["employees>100", "financial"]


def _as_small_business(world: World) -> None:
    with world.sessions() as session, session.begin():
        session.get_one(Organisation, world.org.id).kind = K.SMALL_BUSINESS.value


def test_the_compliance_spine_reads_the_answers_not_the_kind_alone(world: World):
    """別添1 2C e: 中小規模事業者における対応方法 while the answers keep it a small business;
    the company column once they exclude it (headcount grown past 100)."""
    _as_small_business(world)
    with world.sessions() as session, session.begin():
        standing.answer(session, world.ctx("admin"), employees=40, answers=dict(NO))
        report = compliance.compute(session, world.org.id)
        by_id = {m.measure.id: m for m in report.measures}
        assert by_id["J-2Ce"].obligation is Obligation.REQUIRED_SMALL_BUSINESS_FORM
        assert report.small_business_warning is None
        standing.answer(session, world.ctx("admin"), employees=140, answers=dict(NO))
        report = compliance.compute(session, world.org.id)
        by_id = {m.measure.id: m for m in report.measures}
        assert by_id["J-2Ce"].obligation is Obligation.REQUIRED
        assert report.kind is K.COMPANY
        assert report.small_business_warning is not None
        assert "当たりません" in report.small_business_warning[0]


def test_the_disposal_confirmation_follows_the_answers(world: World):
    """別添1 2E d 中小規模事業者: always confirmed, while the answers keep it one."""
    _as_small_business(world)
    with world.sessions() as session, session.begin():
        standing.answer(session, world.ctx("admin"), employees=40, answers=dict(NO))
        with pytest.raises(SettingLocked):
            disposal.set_confirmation_required(session, world.ctx("admin"), required=False)
        standing.answer(
            session, world.ctx("admin"), employees=40, answers=dict(NO) | {E.USE_AFFAIRS: True}
        )
        disposal.set_confirmation_required(session, world.ctx("admin"), required=False)
        assert not disposal.confirmation_required(session, world.org.id)


def test_org_create_asks_and_stores_the_answers(world: World):
    """Item 1: `org create` / POST /organisations: a small business only with its answers."""
    with world.sessions() as session, session.begin():
        session.get_one(Organisation, world.org.id).operator = True
        with pytest.raises(sb.DeclarationMissing):
            orgs.create_client_organisation(
                session, world.ctx("admin"), name="顧客商店", kind=K.SMALL_BUSINESS
            )
        made = orgs.create_client_organisation(
            session, world.ctx("admin"), name="顧客商店", kind=K.SMALL_BUSINESS,
            employees=12, answers=dict(NO),
        )  # fmt: skip
        result = standing.standing(session, made.organisation.id)
        assert result.qualifies and result.relief_applies


def _init(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env["MNVAULT_DATA_DIR"] = str(tmp_path / "data")
    result = mnvault(["init", "--org-name", "試験商店", *args], env)
    return result.returncode, result.stdout + result.stderr, tmp_path / "data"


def test_init_stores_the_answers(tmp_path: Path):
    """Item 1: `init` asks (options) and stores the answers with the organisation."""
    code, output, data = _init(
        tmp_path, "--org-kind", "small_business", "--employees", "20", "--no-use-affairs",
        "--no-contractor", "--no-financial", "--no-over-5000-persons",
    )  # fmt: skip
    assert code == 0, output
    assert "中小規模事業者に当たります" in output  # the result, shown
    with closing(sqlite3.connect(data / "db" / "mnvault.sqlite3")) as db:
        row = db.execute(
            "select employees, use_affairs, contractor, financial, over_5000_persons "
            "from organisation_settings"
        ).fetchall()
    assert row == [(20, 0, 0, 0, 0)]


def test_the_settings_screen_asks_shows_and_warns(web: Web):
    """Item 1: the organisation settings screen; the warning on the screens that show the
    small-business method (compliance, keys and settings) once the answers exclude it."""
    with web.api.vault.transaction() as session:
        session.get_one(Organisation, web.api.organisation_id).kind = K.SMALL_BUSINESS.value
    admin = web.browser()
    admin.sign_in("admin")
    page = admin.get("/admin/organisation")
    assert page.status_code == 200, page.text
    assert "未回答" in page.text and 'id="employees"' in page.text
    answers = {"employees": "30", "use_affairs": "no", "contractor": "no", "financial": "no",
               "over_5000_persons": "no"}  # fmt: skip
    saved = admin.submit("/admin/organisation", "/admin/organisation/small-business", answers)
    assert 'data-small-business="yes"' in saved.text, saved.text
    assert 'id="small-business-warning"' not in saved.text
    grown = admin.submit(
        "/admin/organisation", "/admin/organisation/small-business",
        answers | {"employees": "130"},
    )  # fmt: skip
    assert 'data-small-business="no"' in grown.text and 'data-relief="no"' in grown.text
    assert "従業員の数が100人を超えています" in grown.text
    assert 'id="small-business-warning"' in grown.text
    assert 'id="small-business-warning"' in admin.get("/admin/keys").text
    manager = web.browser()
    manager.sign_in("manager")
    assert 'id="small-business-warning"' in manager.get("/compliance").text
    partial = admin.submit(
        "/admin/organisation", "/admin/organisation/small-business", {"employees": "30"}
    )
    assert partial.status_code == 422 and "4つの除外事由すべて" in partial.text


def test_the_api_answers_and_reports(web: Web):
    token = bearer(web.api.full_session("admin"))
    api = web.api.client
    put = api.put(
        "/api/v1/organisation/small-business", headers=token,
        json={"employees": 8, "use_affairs": False, "contractor": False, "financial": False,
              "over_5000_persons": True},
    )  # fmt: skip
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["small_business"] is False and body["reasons"] == ["over_5000_persons"]
    assert api.get("/api/v1/organisation/small-business", headers=token).json() == body
    clerk = bearer(web.api.full_session("clerk"))
    assert api.get("/api/v1/organisation/small-business", headers=clerk).status_code == 403


def test_the_dashboard_attention_asks_for_the_answers(world: World):
    with world.sessions() as session, session.begin():
        assert standing.attention(session, world.ctx("admin")) == []
        session.get_one(Organisation, world.org.id).kind = K.SMALL_BUSINESS.value
        session.flush()
        (unanswered,) = standing.attention(session, world.ctx("admin"))
        assert "未回答" in unanswered.title_ja and not unanswered.overdue
        standing.answer(session, world.ctx("admin"), employees=300, answers=dict(NO))
        (lapsed,) = standing.attention(session, world.ctx("admin"))
        assert lapsed.overdue and lapsed.link == "/admin/organisation"
