"""System checks: small functions that read the live configuration and data and say whether a
measure is met by the system, with the reason (ja/en) and a link to the screen behind it.

Each check has a test that makes it fail and pass (tests/test_compliance_checks.py). A check
never reads or returns a number: it counts rows and reads settings.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.models import AccessConditions, Assignment, Membership, Role, User
from mnvault.access.permissions import NUMBER_PERMISSIONS, RETURNS_NUMBER, Permission
from mnvault.access.policy.table import GRANTS, NUMBER_BLIND_ROLES, Grant
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.auth.services import NUMBER_ROLES
from mnvault.disposal import services as retention
from mnvault.orgs import linking
from mnvault.vault import link_check
from mnvault.vault.models import DataKey, NumberRecord, SpiFile

DEFAULT_VERIFY_DAYS = 30  # 行政機関等編 別添1 2C b: 定期に…分析; the organisation may change it


@dataclass(frozen=True)
class Probe:
    """What a check reads: the organisation, the moment, and the measure's interval."""

    session: Session
    organisation_id: uuid.UUID
    now: datetime  # UTC
    today: date  # in the organisation's zone
    interval_days: int | None = None


@dataclass(frozen=True)
class Result:
    passed: bool
    reason_ja: str
    reason_en: str
    link: str
    # A failing check whose due date has passed makes the measure overdue, not open.
    overdue: bool = False
    # When a passing check will stop passing (the next verification due …), if known.
    due_at: datetime | None = None


CheckFn = Callable[[Probe], Result]


@dataclass(frozen=True)
class Check:
    id: str
    title_ja: str
    title_en: str
    measures: tuple[str, ...]
    run: CheckFn


def _grants_number(grant: Grant) -> bool:
    return bool(grant.permissions & (NUMBER_PERMISSIONS | RETURNS_NUMBER))


def number_blind(probe: Probe, grants: Iterable[Grant] = GRANTS) -> Result:
    """No admin or auditor holds a number permission, by the policy table or by also holding
    a number role in this organisation (行政機関等編 別添1 2F a: 管理者権限を有するユーザー…)."""
    link = "/admin/users"
    bad_roles = sorted(
        {str(g.role) for g in grants if g.role in NUMBER_BLIND_ROLES and _grants_number(g)}
    )
    if bad_roles:
        return Result(False, f"管理者・監査責任者の役割に個人番号の権限があります: {', '.join(bad_roles)}",
                      f"a number-blind role holds a number permission: {', '.join(bad_roles)}", link)  # fmt: skip
    blind = select(Membership.user_id).where(
        Membership.organisation_id == probe.organisation_id,
        Membership.role.in_([str(r) for r in NUMBER_BLIND_ROLES]),
    )
    numbered = [str(r) for r in NUMBER_ROLES]
    both = (
        probe.session.scalar(
            select(func.count(func.distinct(Membership.user_id))).where(
                Membership.organisation_id == probe.organisation_id,
                Membership.role.in_(numbered),
                Membership.user_id.in_(blind),
            )
        )
        or 0
    )
    assigned = (
        probe.session.scalar(
            select(func.count(func.distinct(Assignment.user_id))).where(
                Assignment.organisation_id == probe.organisation_id, Assignment.user_id.in_(blind)
            )
        )
        or 0
    )
    if both or assigned:
        count = max(both, assigned)
        return Result(False, f"管理者・監査責任者のうち{count}人が個人番号を扱う役割または事務の割当てを持っています",
                      f"{count} admins or auditors also hold a number role or an affair assignment", link)  # fmt: skip
    return Result(True, "管理者・監査責任者は個人番号に触れられません",
                  "no admin or auditor can reach a number", link)  # fmt: skip


def totp_enforced(
    probe: Probe,
    grants: Iterable[Grant] = GRANTS,
    enforced_roles: Collection[Role] = NUMBER_ROLES,
) -> Result:
    """Every role the policy lets read a number is one sign-in holds to TOTP (事業者編 別添1 2F b)."""
    link = "/admin/users"
    readers = {g.role for g in grants if Permission.NUMBER_READ in g.permissions}
    loose = sorted(str(r) for r in readers - set(enforced_roles))
    if loose:
        return Result(False, f"二要素認証が必須でない役割が個人番号を読めます: {', '.join(loose)}",
                      f"roles that can read a number without TOTP: {', '.join(loose)}", link)  # fmt: skip
    return Result(True, "個人番号を読める役割は全員、二要素認証（TOTP）が必須です",
                  "every role that can read a number must sign in with TOTP", link)  # fmt: skip


def access_conditions_set(probe: Probe) -> Result:
    """Office hours and handling-area networks are set (別添1 2E a 取扱区域, 2F a 端末等の限定)."""
    link = "/admin/conditions"
    row = probe.session.get(AccessConditions, probe.organisation_id)
    hours = (
        row is not None
        and bool(row.office_days)
        and row.office_start is not None
        and row.office_end is not None
    )
    networks = row is not None and bool(row.networks)
    if hours and networks:
        return Result(True, "業務時間と取扱区域のネットワークが設定されています",
                      "office hours and handling-area networks are set", link)  # fmt: skip
    missing_ja = "・".join(
        x for x, ok in (("業務時間", hours), ("取扱区域のネットワーク", networks)) if not ok
    )
    missing_en = " and ".join(
        x for x, ok in (("office hours", hours), ("handling-area networks", networks)) if not ok
    )
    return Result(False, f"{missing_ja}が未設定です", f"{missing_en} not set", link)


def nothing_past_disposal(probe: Probe) -> Result:
    """No number is kept past the day its retention ends (別添1 2E d: できるだけ速やかに)."""
    link = "/disposal"
    items = retention.due_items(probe.session, probe.organisation_id, by=probe.today)
    if items:
        since = local_time.day(min(i.due_on for i in items))
        return Result(False, f"{len(items)}件の個人番号が廃棄対象日を過ぎています（{since}から）",
                      f"{len(items)} numbers are past their disposal date (since {since})", link, overdue=True)  # fmt: skip
    return Result(
        True, "廃棄対象日を過ぎた個人番号はありません", "no number is past its disposal date", link
    )


def trail_verified(probe: Probe) -> Result:
    """The audit trail was verified within the interval and was intact (行政機関等編 別添1 2C b:
    改ざん…の防止; 事業者編 2C b). A run is an ``audit:verify`` entry of this organisation."""
    link = "/audit"
    days = probe.interval_days or DEFAULT_VERIFY_DAYS
    last = probe.session.scalar(
        select(AuditEntry)
        .where(
            AuditEntry.organisation_id == probe.organisation_id,
            AuditEntry.action == str(AuditAction.AUDIT_VERIFY),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    )
    if last is None:
        checkpoint = probe.session.scalar(select(func.max(AuditCheckpoint.created_at)))
        seen = f"（最新の署名チェックポイント: {local_time.day(checkpoint)}）" if checkpoint else ""
        seen_en = f" (latest signed checkpoint: {local_time.day(checkpoint)})" if checkpoint else ""
        return Result(False, f"監査証跡の検証がまだ一度も行われていません{seen}",
                      f"the audit trail has never been verified{seen_en}", link)  # fmt: skip
    if last.outcome != str(Outcome.OK):
        first = (last.details or {}).get("first_seq")
        return Result(False, f"最新の検証で監査証跡の破損が見つかりました（記録 {first}）",
                      f"the latest verification found the trail broken (entry {first})", link)  # fmt: skip
    due = last.occurred_at + timedelta(days=days)
    if due < probe.now:
        return Result(False, f"監査証跡の最新の検証は{days}日より前です（{local_time.day(last.occurred_at)}）",
                      f"the trail was last verified more than {days} days ago ({local_time.day(last.occurred_at)})",
                      link, overdue=True)  # fmt: skip
    return Result(True, f"監査証跡は{days}日以内に検証され、改ざんはありません",
                  f"the trail was verified within {days} days and is intact", link, due_at=due)  # fmt: skip


def spi_register(probe: Probe) -> Result:
    """The SPI file register is kept (別添1 2C c 取扱状況を確認する手段): at least one file, each
    with its purpose and a responsible person or department."""
    link = "/admin/spi-files"
    files = list(
        probe.session.scalars(
            select(SpiFile).where(SpiFile.organisation_id == probe.organisation_id)
        )
    )
    if not files:
        return Result(
            False, "特定個人情報ファイルの台帳が空です", "the SPI file register is empty", link
        )
    incomplete = [
        f
        for f in files
        if not f.purpose.strip() or (f.responsible_user_id is None and f.department_id is None)
    ]
    if incomplete:
        return Result(False, f"{len(incomplete)}件の特定個人情報ファイルに利用目的または責任者・取扱部署がありません",
                      f"{len(incomplete)} SPI files lack a purpose or a responsible person or department", link)  # fmt: skip
    return Result(True, f"特定個人情報ファイル台帳に{len(files)}件が登録されています",
                  f"the SPI file register lists {len(files)} files", link)  # fmt: skip


def clerks_named(probe: Probe) -> Result:
    """Clerks are named: every number use needs an assignment (別添1 1C, 2C a, 2F a)."""
    link = "/admin/assignments"
    count = (
        probe.session.scalar(
            select(func.count(func.distinct(Assignment.user_id))).where(
                Assignment.organisation_id == probe.organisation_id
            )
        )
        or 0
    )
    if not count:
        return Result(
            False,
            "事務取扱担当者が一人も割り当てられていません",
            "no clerk is assigned to an affair",
            link,
        )
    return Result(True, f"{count}人の事務取扱担当者が事務ごとに割り当てられています",
                  f"{count} clerks are assigned, each to named affairs", link)  # fmt: skip


def _members(probe: Probe, role: Role) -> int:
    return (
        probe.session.scalar(
            select(func.count(func.distinct(Membership.user_id))).where(
                Membership.organisation_id == probe.organisation_id, Membership.role == str(role)
            )
        )
        or 0
    )


def manager_separate(probe: Probe) -> Result:
    """A manager distinct from the clerks (別添1 2C a 責任者の設置; 中小規模事業者: 区分が望ましい)."""
    link = "/admin/users"
    managers = _members(probe, Role.MANAGER) + _members(probe, Role.CHIEF_OFFICER)
    if not managers:
        return Result(False, "責任者（manager）がいません", "there is no manager", link)
    return Result(
        True, f"責任者が{managers}人置かれています", f"{managers} managers are appointed", link
    )


def _holders(probe: Probe, role: Role) -> list[str]:
    """Who holds the role (logins, never a number): the check names them."""
    return sorted(
        probe.session.scalars(
            select(User.login)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == probe.organisation_id,
                Membership.role == str(role),
                User.is_active.is_(True),
            )
            .distinct()
        )
    )


def chief_officer(probe: Probe) -> Result:
    """総括責任者: one per body (行政機関等編 別添1 2C a 「総括責任者（行政機関等に各１名）」)."""
    holders = _holders(probe, Role.CHIEF_OFFICER)
    link = "/admin/users"
    if len(holders) != 1:
        named = "、".join(holders) or "なし"
        return Result(False, f"総括責任者は1名必要です（現在{len(holders)}名: {named}）",
                      f"one chief officer is required (now {len(holders)}: "
                      f"{', '.join(holders) or 'none'})", link)  # fmt: skip
    return Result(True, f"総括責任者: {holders[0]}", f"chief officer: {holders[0]}", link)


def protection_manager(probe: Probe) -> Result:
    """保護責任者: one per office that runs number affairs (行政機関等編 別添1 2C a)."""
    holders = _holders(probe, Role.PROTECTION_MANAGER)
    link = "/admin/users"
    if not holders:
        return Result(False, "保護責任者がいません", "there is no protection manager", link)
    return Result(True, f"保護責任者（{len(holders)}名）: {'、'.join(holders)}",
                  f"protection managers ({len(holders)}): {', '.join(holders)}", link)  # fmt: skip


def audit_officer(probe: Probe) -> Result:
    """監査責任者 (行政機関等編 別添1 2C a 「監査責任者の設置」; the `auditor` role)."""
    holders = _holders(probe, Role.AUDITOR)
    link = "/admin/users"
    if not holders:
        return Result(False, "監査責任者がいません", "there is no audit officer", link)
    return Result(True, f"監査責任者（{len(holders)}名）: {'、'.join(holders)}",
                  f"audit officers ({len(holders)}): {', '.join(holders)}", link)  # fmt: skip


def numbers_encrypted(probe: Probe) -> Result:
    """Every stored number has its wrapped data key: the number is held only as ciphertext
    (事業者編 別添1 2F d 手法の例示: データの暗号化; 行政機関等編 2F d: 暗号化…により秘匿)."""
    link = "/admin/keys"
    orphans = (
        probe.session.scalar(
            select(func.count())
            .select_from(NumberRecord)
            .outerjoin(DataKey, DataKey.person_id == NumberRecord.person_id)
            .where(
                NumberRecord.organisation_id == probe.organisation_id, DataKey.person_id.is_(None)
            )
        )
        or 0
    )
    if orphans:
        return Result(False, f"{orphans}件の個人番号にデータ鍵がありません（復号できない暗号文）",
                      f"{orphans} stored numbers have no data key (ciphertext that cannot be opened)", link)  # fmt: skip
    return Result(True, "個人番号はすべて対象者ごとのデータ鍵で暗号化して保存されています",
                  "every number is stored encrypted under its person's data key", link)  # fmt: skip


def disposal_confirmed(probe: Probe) -> Result:
    """A disposal runs only after a manager's confirmation (別添1 2E d: 削除・廃棄したことを、
    責任ある立場の者が確認する; always on for a small business)."""
    link = "/admin/keys"
    if retention.confirmation_required(probe.session, probe.organisation_id):
        return Result(True, "削除・廃棄は責任者の確認を経て実行されます",
                      "every disposal waits for a manager's confirmation", link)  # fmt: skip
    return Result(False, "削除・廃棄の責任者確認が無効になっています",
                  "disposals run without a manager's confirmation", link)  # fmt: skip


def link_checked(probe: Probe) -> Result:
    """紐付けの際の複数人による確認 (事業者編 別添1 2B 手法の例示; 行政機関等編 別添1 2C a
    人的ミスの発生を防止するための確認体制の整備): the setting on (orgs/linking.py)."""
    link = "/admin/organisation"
    if not linking.required(probe.session, probe.organisation_id):
        return Result(False, "個人番号と本人の紐付けの複数人による確認が無効です",
                      "numbers are linked to persons without a second person's check", link)  # fmt: skip
    waiting = link_check.awaiting(probe.session, probe.organisation_id)
    return Result(True, f"紐付けは取得・訂正者以外が確認します（確認待ち{waiting}件）",
                  f"a second person checks each link ({waiting} awaiting)", link)  # fmt: skip


CHECKS: tuple[Check, ...] = (
    Check("number_blind", "管理者・監査責任者は番号に触れない", "admins and auditors are number-blind",
          ("J-2Fa.3", "G-2Fa", "G-2Fa.2", "G-2Fa.3"), number_blind),
    Check("totp_enforced", "番号を読める役割は二要素認証", "TOTP for every number-reading role",
          ("J-2Fb", "G-2Fb"), totp_enforced),
    Check("access_conditions", "業務時間・取扱区域ネットワーク", "office hours and handling-area networks",
          ("J-2Ea.2", "J-2Fa.1"), access_conditions_set),
    Check("nothing_past_disposal", "廃棄対象日を過ぎた番号なし", "no number past its disposal date",
          ("J-2Ed", "J-2Ed.3", "G-2Ed"), nothing_past_disposal),
    Check("trail_verified", "監査証跡の検証", "audit trail verified and intact",
          ("J-2Cb", "J-2Cb.5", "G-2Cb", "G-2Cb.1"), trail_verified),
    Check("spi_register", "特定個人情報ファイル台帳", "SPI file register",
          ("J-2Cc", "G-2Cc"), spi_register),
    Check("clerks_named", "事務取扱担当者の明確化", "clerks named",
          ("J-1C", "G-1C", "J-2Ca.2", "J-2Fa", "J-2Fa.3", "G-2Fa.1"), clerks_named),
    Check("manager_separate", "責任者の設置", "a manager appointed",
          ("J-2Ca", "J-2Ca.1"), manager_separate),
    Check("chief_officer", "総括責任者の設置", "chief officer appointed", ("G-2Ca.1",), chief_officer),
    Check("protection_manager", "保護責任者の設置", "protection manager appointed",
          ("G-2Ca.2",), protection_manager),
    Check("numbers_encrypted", "番号の暗号化保存", "numbers encrypted at rest",
          ("J-2Fd.2", "G-2Fd.1"), numbers_encrypted),
    Check("disposal_confirmed", "削除・廃棄の責任者確認", "disposal confirmed by a manager",
          ("J-2Ed.1", "G-2Ed.1"), disposal_confirmed),
    Check("audit_officer", "監査責任者の設置", "audit officer appointed",
          ("G-2Ca.3",), audit_officer),
    Check("link_checked", "紐付けの複数人による確認", "second check of linked numbers",
          ("J-2B.2", "G-2Ca.4"), link_checked),
)  # fmt: skip


def checks_for(measure_id: str) -> list[Check]:
    return [c for c in CHECKS if measure_id in c.measures]
