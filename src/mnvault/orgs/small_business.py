"""Whether an organisation is a 中小規模事業者, from facts, never from a self-declared kind.

事業者編 別添1 2 (注): 「中小規模事業者」とは、事業者のうち従業員の数が100人以下の事業者をいう。
ただし、次に掲げる事業者を除く — 個人番号利用事務実施者; 委託に基づいて個人番号関係事務又は個人番号
利用事務を業務として行う事業者; 金融分野の事業者; 個人情報データベース等を構成する個人情報によって
識別される特定の個人の数の合計が過去６月以内のいずれかの日において5,000を超える事業者.

The relief is an alternative, not a prohibition (別添1 2):
「中小規模事業者における対応方法」 is a 特例的な対応方法, and
「中小規模事業者が、手法の例示に記載した手法を採用することは、より望ましい対応である」.
Messages say so (RELIEF_JA, RELIEF_EN).

The vault's own data can show an exclusion the organisation did not declare: 利用事務 affairs
held, its users serving other organisations (委託を受けて事務を行う者), more than 5,000 persons.
It counts only the persons it holds now, so "過去６月以内のいずれかの日" is for the
organisation to answer; the vault warns from what it sees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.affairs.models import Affair, AffairKind
from mnvault.errors import MnvaultError
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.models import NumberRecordAffair, Person

SOURCE = "事業者編 別添1 2 (注) 中小規模事業者"
MAX_EMPLOYEES = 100
MAX_PERSONS = 5000


class Exclusion(StrEnum):
    USE_AFFAIRS = "use_affairs"
    CONTRACTOR = "contractor"
    FINANCIAL = "financial"
    OVER_5000_PERSONS = "over_5000_persons"


@dataclass(frozen=True, slots=True)
class ExclusionRule:
    exclusion: Exclusion
    question_ja: str
    question_en: str
    quote: str  # exact phrase of 別添1 2 (注) in ppc-guideline-business.txt


# Each exclusion of 別添1 2 (注), asked at init and in the organisation settings.
EXCLUSIONS: tuple[ExclusionRule, ...] = (
    ExclusionRule(
        Exclusion.USE_AFFAIRS,
        "個人番号利用事務を行いますか（個人番号利用事務実施者）",
        "do you carry out individual number use affairs (個人番号利用事務実施者)?",
        "個人番号利用事務実施者",
    ),
    ExclusionRule(
        Exclusion.CONTRACTOR,
        "委託を受けて個人番号関係事務又は個人番号利用事務を業務として行いますか",
        "do you carry out number affairs for others as a business, on their commission?",
        "委託に基づいて個人番号関係事務又は個人番号利用事務を業務として行う事業者",
    ),
    ExclusionRule(
        Exclusion.FINANCIAL,
        "金融分野の事業者ですか",
        "are you a business in the financial sector?",
        "金融分野（個人情報保護委員会・金融庁作成の「金融分野における個人情報保護に関するガイドライン」"
        "第１条第１項に定義される金融分野）の事業者",
    ),
    ExclusionRule(
        Exclusion.OVER_5000_PERSONS,
        "過去6か月以内のいずれかの日に、個人情報データベース等で識別される個人が5,000人を超えましたか",
        "did your personal-information databases identify more than 5,000 persons on any day "
        "in the last 6 months?",
        "過去６月以内のいずれかの日において5,000を超える事業者",
    ),
)

RELIEF_JA = (
    "中小規模事業者における対応方法は、手法の例示に代わる特例的な対応方法です。"
    "手法の例示に記載した手法を採用することは、より望ましい対応です（事業者編 別添1 2）"
)
RELIEF_EN = (
    "the small-business method is an alternative way to meet the measure, not a prohibition "
    "of the examples: adopting the examples is the more desirable response (別添1 2)"
)


@dataclass(frozen=True, slots=True)
class Declaration:
    """What init and the organisation settings ask: the headcount (中小企業基本法の従業員)
    and each exclusion, answered one by one."""

    employees: int
    exclusions: frozenset[Exclusion]


def reasons_not_small(kind: OrganisationKind, declaration: Declaration) -> list[str]:
    """Why the organisation is not a 中小規模事業者; empty when it is one."""
    reasons = []
    if kind is not OrganisationKind.SMALL_BUSINESS and kind is not OrganisationKind.COMPANY:
        reasons.append(f"kind:{kind.value}")
    if kind is OrganisationKind.FINANCIAL_INSTITUTION:
        reasons.append(Exclusion.FINANCIAL.value)  # never a small business
    if declaration.employees > MAX_EMPLOYEES:
        reasons.append("employees>100")
    reasons += [e.value for e in Exclusion if e in declaration.exclusions]
    return sorted(set(reasons))


def is_small_business(kind: OrganisationKind, declaration: Declaration) -> bool:
    return not reasons_not_small(kind, declaration)


def exclusions_seen(session: Session, organisation_id: uuid.UUID) -> frozenset[Exclusion]:
    """Exclusions the vault's own data shows, whatever was declared (ids and counts only)."""
    seen = set()
    use = session.scalar(
        select(func.count())
        .select_from(NumberRecordAffair)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .join(Person, Person.id == NumberRecordAffair.person_id)
        .where(Person.organisation_id == organisation_id, Affair.kind == AffairKind.USE.value)
    )
    if use:
        seen.add(Exclusion.USE_AFFAIRS)
    serving = session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(User, User.id == Membership.user_id)
        .where(
            User.home_organisation_id == organisation_id,
            Membership.organisation_id != organisation_id,
            # Administering or auditing another organisation's vault is not doing its
            # number affairs; the roles that handle numbers are.
            Membership.role.not_in([Role.ADMIN.value, Role.AUDITOR.value]),
        )
    )
    if serving:
        seen.add(Exclusion.CONTRACTOR)
    persons = session.scalar(
        select(func.count()).select_from(Person).where(Person.organisation_id == organisation_id)
    )
    if (persons or 0) > MAX_PERSONS:
        seen.add(Exclusion.OVER_5000_PERSONS)
    return frozenset(seen)


@dataclass(frozen=True, slots=True)
class Warning:
    exclusion: Exclusion
    message_ja: str
    message_en: str


_SEEN = {
    Exclusion.USE_AFFAIRS: (
        "個人番号利用事務の番号を保管しています",
        "numbers are held for a use affair",
    ),
    Exclusion.CONTRACTOR: (
        "利用者が他の組織の役割を持っています（委託を受けた事務）",
        "users serve other organisations (affairs done on commission)",
    ),
    Exclusion.OVER_5000_PERSONS: (
        "保管している本人が5,000人を超えています",
        "more than 5,000 persons are held",
    ),
}


def warnings_for(
    session: Session, organisation_id: uuid.UUID, kind: OrganisationKind
) -> list[Warning]:
    """For an organisation registered as a small business: each exclusion its data shows."""
    if kind is not OrganisationKind.SMALL_BUSINESS:
        return []
    found = []
    for exclusion in sorted(exclusions_seen(session, organisation_id)):
        ja, en = _SEEN[exclusion]
        found.append(
            Warning(
                exclusion,
                f"{ja}: 中小規模事業者に当たらない可能性があります（{SOURCE}）",
                f"{en}: the organisation may not be a small business ({SOURCE})",
            )
        )
    return found


class NotSmallBusiness(MnvaultError):
    message_ja = "中小規模事業者に当たりません（事業者編 別添1 2 (注)）"
    message_en = "the organisation is not a small business (事業者編 別添1 2 (注))"
    status = 422
    kind = "not_small_business"


class DeclarationMissing(MnvaultError):
    message_ja = "中小規模事業者には従業員数と4つの除外事由すべてへの回答が必要です（別添1 2 (注)）"
    message_en = (
        "a small business must give its headcount and answer each of the four exclusions "
        "(別添1 2 (注))"
    )
    status = 422
    kind = "small_business_declaration_missing"


def require_small_business(
    kind: OrganisationKind, employees: int | None, answers: dict[Exclusion, bool | None]
) -> Declaration | None:
    """At init and in the organisation settings: a small business only on the facts.

    Every other kind passes unchanged (None); a small business must give the headcount
    and answer each exclusion, and is refused when the answers exclude it."""
    if kind is not OrganisationKind.SMALL_BUSINESS:
        return None
    if employees is None or any(answers.get(e) is None for e in Exclusion):
        raise DeclarationMissing()
    declaration = Declaration(employees, frozenset(e for e in Exclusion if answers.get(e)))
    reasons = reasons_not_small(kind, declaration)
    if reasons:
        text = ", ".join(reasons)
        raise NotSmallBusiness(text, text)
    return declaration


def check(session: Session, context: Context) -> list[Warning]:
    """`mnvault org small-business-check`: what the data shows against the registered kind."""
    authorize(session, context, Permission.ORGANISATION_MANAGE, organisation_resource(context))
    organisation = session.get_one(Organisation, context.organisation_id)
    return warnings_for(session, organisation.id, OrganisationKind(organisation.kind))
