"""Issue #13, Organisation kinds: 中小規模事業者 is decided from the headcount and the four
exclusions of 事業者編 別添1 2 (注), never self-declared; a financial institution is never
one; the vault warns when its own data shows an exclusion; the relief is worded as
別添1 2 words it (an alternative method, not a prohibition).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Membership
from mnvault.orgs import small_business as sb
from mnvault.orgs.models import OrganisationKind
from tests.conftest import World
from tests.disposal_support import add_persons
from tests.support.cli import mnvault
from tests.support.legal import legal_text

K = OrganisationKind
E = sb.Exclusion
NONE: frozenset[sb.Exclusion] = frozenset()

# (kind, employees, exclusions answered, small business?, source)
CASES = [
    pytest.param(K.SMALL_BUSINESS, 100, NONE, True, id="100人以下: 別添1 2 (注)"),
    pytest.param(K.SMALL_BUSINESS, 101, NONE, False, id="101人: 別添1 2 (注) 100人以下"),
    pytest.param(K.COMPANY, 30, NONE, True, id="a company of 30 qualifies: 別添1 2 (注)"),
    pytest.param(K.SMALL_BUSINESS, 10, frozenset({E.USE_AFFAIRS}), False,
                 id="個人番号利用事務実施者を除く: 別添1 2 (注)"),
    pytest.param(K.SMALL_BUSINESS, 10, frozenset({E.CONTRACTOR}), False,
                 id="委託に基づいて…業務として行う事業者を除く: 別添1 2 (注)"),
    pytest.param(K.SMALL_BUSINESS, 10, frozenset({E.FINANCIAL}), False,
                 id="金融分野の事業者を除く: 別添1 2 (注)"),
    pytest.param(K.SMALL_BUSINESS, 10, frozenset({E.OVER_5000_PERSONS}), False,
                 id="過去6月以内のいずれかの日において5,000超を除く: 別添1 2 (注)"),
    pytest.param(K.FINANCIAL_INSTITUTION, 10, NONE, False,
                 id="金融機関 is never a small business: 別添1 2 (注) 金融分野"),
    pytest.param(K.LOCAL_GOVERNMENT, 10, NONE, False, id="行政機関等編 has no such relief"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "employees", "exclusions", "small"), CASES)
def test_small_business_follows_the_definition(kind, employees, exclusions, small):
    declaration = sb.Declaration(employees, exclusions)
    assert sb.is_small_business(kind, declaration) is small


def test_every_exclusion_is_asked_and_quoted_from_the_guideline():
    assert {r.exclusion for r in sb.EXCLUSIONS} == set(sb.Exclusion)
    text = re.sub(r"\s+", "", legal_text("ppc-guideline-business.txt"))
    for rule in sb.EXCLUSIONS:
        assert re.sub(r"\s+", "", rule.quote) in text, rule.exclusion
    better = "中小規模事業者が、手法の例示に記載した手法を採用することは、より望ましい対応である"
    assert better in text
    assert "特例的な対応方法" in text


def test_the_relief_is_an_alternative_not_a_prohibition():
    assert "特例的な対応方法" in sb.RELIEF_JA and "より望ましい" in sb.RELIEF_JA
    assert "alternative" in sb.RELIEF_EN and "not a prohibition" in sb.RELIEF_EN


def test_the_vault_warns_when_its_data_shows_an_exclusion(world: World):
    """A small business holding a number for a 利用事務 affair is a 個人番号利用事務実施者."""
    with world.sessions() as session:
        assert sb.warnings_for(session, world.org.id, K.SMALL_BUSINESS) == []
    add_persons(world, 1, seed=950, affairs=("withholding_slip",))
    with world.sessions() as session:
        assert sb.exclusions_seen(session, world.org.id) == NONE
    # One of its clerks takes a clerk's role in another organisation: work on commission.
    with world.sessions() as session, session.begin():
        session.add(
            Membership(
                user_id=world.users["clerk"].id, organisation_id=world.other_org.id, role="clerk"
            )
        )
    with world.sessions() as session:
        (warning,) = sb.warnings_for(session, world.org.id, K.SMALL_BUSINESS)
        assert warning.exclusion is E.CONTRACTOR and "別添1 2 (注)" in warning.message_ja
        assert sb.warnings_for(session, world.org.id, K.COMPANY) == []
        assert sb.check(session, world.ctx("admin")) == []  # registered as a company
        with pytest.raises(AuthorizationDenied):
            sb.check(session, world.ctx("clerk"))


def _init(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env["MNVAULT_DATA_DIR"] = str(tmp_path / "data")
    result = mnvault(["init", "--org-name", "試験商店", "--org-kind", "small_business", *args], env)
    return result.returncode, result.stdout + result.stderr


# (init's answers, accepted?, what the refusal says, source)
INIT_CASES = [
    pytest.param((), False, "従業員数と4つの除外事由", id="self-declared only: refused (別添1 2)"),
    pytest.param(("--employees", "20", "--no-use-affairs", "--no-contractor", "--financial",
                  "--no-over-5000-persons"), False, "financial",
                 id="金融分野: never a small business (別添1 2 (注))"),
    pytest.param(("--employees", "120", "--no-use-affairs", "--no-contractor", "--no-financial",
                  "--no-over-5000-persons"), False, "employees>100",
                 id="120人: 100人以下 (別添1 2 (注))"),
    pytest.param(("--employees", "20", "--no-use-affairs", "--no-contractor", "--no-financial",
                  "--no-over-5000-persons"), True, "",
                 id="20人, no exclusion: a small business (別添1 2 (注))"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "accepted", "says"), INIT_CASES)
def test_init_asks_the_headcount_and_each_exclusion(tmp_path: Path, args, accepted, says):
    code, output = _init(tmp_path, *args)
    assert (code == 0) is accepted, output
    assert says in output
