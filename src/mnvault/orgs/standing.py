"""The organisation's stored answers about 中小規模事業者 and what they decide.

事業者編 別添1 2 (注): 「中小規模事業者」とは、事業者のうち従業員の数が100人以下の事業者を
いう。ただし、次に掲げる事業者を除く (orgs/small_business.py holds the four exclusions).
The answers are asked at ``init``, ``mnvault org create`` and on the organisation settings
screen (/admin/organisation, ``PUT /api/v1/organisation/small-business``) and stored in
``organisation_settings``.

The kind ``small_business`` is the organisation's choice to use the 中小規模事業者における
対応方法; the answers decide whether it may: when they exclude it, the relief no longer
applies and every small-business rule (the compliance spine's obligations, the disposal
confirmation) follows the company column instead, with a warning on the screens that show
the small-business method. An organisation registered before the answers were asked
(no answers stored) keeps the relief and is asked to answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.orgs.models import Organisation, OrganisationKind, OrganisationSettings
from mnvault.orgs.small_business import (
    MAX_EMPLOYEES,
    SOURCE,
    Declaration,
    Exclusion,
    reasons_not_small,
)
from mnvault.vault.errors import InvalidInput

# Each reason of reasons_not_small() as people read it.
REASONS: dict[str, tuple[str, str]] = {
    "employees>100": (
        f"従業員の数が{MAX_EMPLOYEES}人を超えています",
        f"more than {MAX_EMPLOYEES} employees",
    ),
    Exclusion.USE_AFFAIRS.value: ("個人番号利用事務実施者です", "an individual number user"),
    Exclusion.CONTRACTOR.value: (
        "委託に基づいて個人番号関係事務又は個人番号利用事務を業務として行っています",
        "does number affairs for others on their commission",
    ),
    Exclusion.FINANCIAL.value: ("金融分野の事業者です", "a business in the financial sector"),
    Exclusion.OVER_5000_PERSONS.value: (
        "過去6月以内のいずれかの日に識別される個人が5,000を超えました",
        "more than 5,000 persons identified on a day of the last 6 months",
    ),
}
_KIND_REASON = ("事業者編の中小規模事業者の対象外の種別です", "a kind outside 事業者編's relief")


def reason_text(code: str) -> tuple[str, str]:
    return REASONS.get(code, _KIND_REASON)


@dataclass(frozen=True, slots=True)
class Standing:
    """Whether the organisation is a 中小規模事業者, and why (shown on the settings
    screen, by the API and by the CLI)."""

    kind: OrganisationKind
    declaration: Declaration | None  # None: never answered
    reasons: tuple[str, ...]  # why not a small business, from the answers

    @property
    def answered(self) -> bool:
        return self.declaration is not None

    @property
    def qualifies(self) -> bool:
        """The answers meet 別添1 2 (注) (whatever the registered kind)."""
        return self.answered and not self.reasons

    @property
    def relief_applies(self) -> bool:
        """The 中小規模事業者における対応方法 may be used: registered as a small business and
        not excluded by its answers (unanswered: kept, and asked for)."""
        return self.kind is OrganisationKind.SMALL_BUSINESS and not self.reasons

    @property
    def lapsed(self) -> bool:
        """Registered as a small business, but the answers say it no longer is one."""
        return self.kind is OrganisationKind.SMALL_BUSINESS and bool(self.reasons)

    @property
    def effective_kind(self) -> OrganisationKind:
        """The column of 別添1 whose obligations bind: a lapsed small business is a company."""
        return OrganisationKind.COMPANY if self.lapsed else self.kind

    def lines(self) -> list[tuple[str, str]]:
        """The result in words, Japanese and English."""
        if not self.answered:
            if self.kind is OrganisationKind.SMALL_BUSINESS:
                return [("従業員数と除外事由が未回答です。組織の設定で回答してください",
                         "the headcount and the exclusions are not answered yet: answer them "
                         "in the organisation settings")]  # fmt: skip
            return []
        if self.qualifies:
            return [(f"中小規模事業者に当たります（{SOURCE}）",
                     f"the organisation is a small business ({SOURCE})")]  # fmt: skip
        head = (f"中小規模事業者に当たりません（{SOURCE}）",
                f"the organisation is not a small business ({SOURCE})")  # fmt: skip
        return [head, *(reason_text(code) for code in self.reasons)]

    def warning(self) -> tuple[str, str] | None:
        """For the screens that show the small-business method: the answers exclude it."""
        if not self.lapsed:
            return None
        why_ja = "、".join(reason_text(c)[0] for c in self.reasons)
        why_en = "; ".join(reason_text(c)[1] for c in self.reasons)
        return (
            f"中小規模事業者として登録されていますが、回答によれば当たりません（{why_ja}）。"
            f"中小規模事業者における対応方法ではなく、事業者の措置（手法の例示を含む）が適用されます"
            f"（{SOURCE}）",
            f"registered as a small business, but the answers say it is not one ({why_en}): "
            f"the measures for businesses apply, not the small-business method ({SOURCE})",
        )


def declaration_of(row: OrganisationSettings | None) -> Declaration | None:
    if row is None or row.employees is None:
        return None
    answers = {
        Exclusion.USE_AFFAIRS: row.use_affairs,
        Exclusion.CONTRACTOR: row.contractor,
        Exclusion.FINANCIAL: row.financial,
        Exclusion.OVER_5000_PERSONS: row.over_5000_persons,
    }
    return Declaration(row.employees, frozenset(e for e, yes in answers.items() if yes))


def standing_of(kind: OrganisationKind, declaration: Declaration | None) -> Standing:
    if declaration is None:
        # Unanswered: only what the kind itself says (a financial institution is never one).
        reasons = reasons_not_small(kind, Declaration(0, frozenset()))
    else:
        reasons = reasons_not_small(kind, declaration)
    return Standing(kind, declaration, tuple(reasons))


def standing(session: Session, organisation_id: uuid.UUID) -> Standing:
    """No authorization: the rules of other packages read it (ids and answers only)."""
    organisation = session.get_one(Organisation, organisation_id)
    row = session.get(OrganisationSettings, organisation_id)
    return standing_of(OrganisationKind(organisation.kind), declaration_of(row))


def effective_kind(session: Session, organisation_id: uuid.UUID) -> OrganisationKind:
    return standing(session, organisation_id).effective_kind


def relief_applies(session: Session, organisation_id: uuid.UUID) -> bool:
    return standing(session, organisation_id).relief_applies


def settings_row(session: Session, organisation_id: uuid.UUID) -> OrganisationSettings:
    row = session.get(OrganisationSettings, organisation_id)
    if row is None:
        row = OrganisationSettings(organisation_id=organisation_id)
        session.add(row)
    return row


def store(
    session: Session,
    organisation_id: uuid.UUID,
    declaration: Declaration,
    actor_id: uuid.UUID | None,
) -> None:
    row = settings_row(session, organisation_id)
    row.employees = declaration.employees
    row.use_affairs = Exclusion.USE_AFFAIRS in declaration.exclusions
    row.contractor = Exclusion.CONTRACTOR in declaration.exclusions
    row.financial = Exclusion.FINANCIAL in declaration.exclusions
    row.over_5000_persons = Exclusion.OVER_5000_PERSONS in declaration.exclusions
    row.answered_at, row.answered_by = utcnow(), actor_id
    session.flush()


def declaration_from(employees: int | None, answers: dict[Exclusion, bool | None]) -> Declaration:
    """Every question answered, or refused (the settings screen and the API ask all five)."""
    if employees is None or any(answers.get(e) is None for e in Exclusion):
        raise InvalidInput(
            "従業員数と4つの除外事由すべてに回答してください（事業者編 別添1 2 (注)）",
            "give the headcount and answer each of the four exclusions (別添1 2 (注))",
        )
    if employees < 0 or employees > 10_000_000:
        raise InvalidInput("従業員数が範囲外です", "headcount out of range")
    return Declaration(employees, frozenset(e for e in Exclusion if answers.get(e)))


def answer(
    session: Session,
    context: Context,
    *,
    employees: int | None,
    answers: dict[Exclusion, bool | None],
) -> Standing:
    """The organisation settings: store the answers (audited) and say what they decide.

    Unlike ``init``, answers that exclude a registered small business are stored: they
    are the facts, and the relief then lapses (with a warning) rather than being kept."""
    authorize(session, context, Permission.ORGANISATION_MANAGE, organisation_resource(context))
    declaration = declaration_from(employees, answers)
    store(session, context.organisation_id, declaration, context.actor_id)
    result = standing(session, context.organisation_id)
    audit.record(
        session, context, AuditAction.ORGANISATION_SMALL_BUSINESS_ANSWER,
        details={
            "employees": declaration.employees,
            "exclusions": sorted(e.value for e in declaration.exclusions),
            "small_business": result.qualifies, "reasons": list(result.reasons),
        },
    )  # fmt: skip
    return result


def read(session: Session, context: Context) -> Standing:
    authorize(session, context, Permission.ORGANISATION_MANAGE, organisation_resource(context))
    return standing(session, context.organisation_id)


@dataclass(frozen=True)
class Attention:
    """For the dashboard (the lead wires it): the small-business answers to give or redo."""

    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


def attention(session: Session, context: Context) -> list[Attention]:
    """Administrators: a small business that has not answered, or whose answers exclude it."""
    result = read(session, context)
    link = "/admin/organisation"
    if (warning := result.warning()) is not None:
        return [Attention(warning[0], warning[1], None, link, True)]
    if result.kind is OrganisationKind.SMALL_BUSINESS and not result.answered:
        (ja, en), *_ = result.lines()
        return [Attention(ja, en, None, link, False)]
    return []
