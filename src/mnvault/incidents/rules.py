"""Whether and when the PPC must be told: a pure rule service over effective-dated rule sets.

Two rule sets (DESIGN §8):
- "2022": 番号法第29条の4 and the 規則 (平成27年特定個人情報保護委員会規則第5号, as amended in
  force 2022-04-01), read through 別添2 of both guidelines (令和7年6月一部改正 in shared/legal).
  The 規則 itself is quoted from 別添2; its text is to be verified on e-Gov.
- "2015": the earlier regime the seed describes (companies: an effort to report with five
  exemption conditions; public bodies: a report 速やかに, serious cases 直ちに). Its source, the
  2015 委員会告示, is not in shared/legal; the conditions are the seed's (verify on e-Gov).

Nothing here touches the database: the same function answers the CLI, the API and the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mnvault import local_time
from mnvault.incidents.errors import RegimeNotInForce
from mnvault.incidents.facts import EVENT_JA, LEAK_FAMILY, Event, Facts, Side, System
from mnvault.incidents.opendays import deadline

VERIFY = "（規則本文は e-Gov で要確認 / verify the 規則 on e-Gov）"


@dataclass(frozen=True)
class Reason:
    passage: str  # where the rule stands, e.g. "別添2 3A(4) / 規則第2条第4号"
    ja: str
    en: str

    def as_json(self) -> dict[str, str]:
        return {"passage": self.passage, "ja": self.ja, "en": self.en}


@dataclass(frozen=True)
class Assessment:
    regime: str
    reportable: bool
    categories: tuple[int, ...]
    effort_to_report: bool
    notify_persons: bool
    preliminary: str | None
    preliminary_target: date | None
    final_report_due: date | None
    reasons: tuple[Reason, ...]

    def as_json(self) -> dict[str, Any]:
        """Exactly the object issue #17 specifies for ``mnvault incident assess``."""
        return {
            "reportable": self.reportable,
            "categories": list(self.categories),
            "effort_to_report": self.effort_to_report,
            "notify_persons": self.notify_persons,
            "preliminary": self.preliminary,
            "final_report_due": self.final_report_due.isoformat()
            if self.final_report_due
            else None,
            "reasons": [r.as_json() for r in self.reasons],
        }


@dataclass(frozen=True)
class RuleSet:
    """One regime: its dates and numbers are data; ``decide`` reads them."""

    id: str
    effective_from: date
    effective_until: date | None  # exclusive
    title_ja: str
    title_en: str
    persons_threshold: int  # a category when the possible maximum exceeds it
    preliminary_days: tuple[int, int] | None  # 速報: about this many days after awareness
    final_days: int | None  # 確報: within this many days, day 1 = aware date
    final_days_malicious: int | None  # 同, for 規則第2条第2号
    decide: Callable[[RuleSet, Facts], Assessment]

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day < self.effective_until
        )


# --- the 2022 regime ------------------------------------------------------------------------

_SYSTEM_ITEM = {
    System.NETWORK_SYSTEM: ("イ", "情報提供ネットワークシステム等"),
    System.USE_AFFAIR_SYSTEM: ("ロ", "個人番号利用事務を処理する情報システム"),
    System.PUBLIC_BODY_RELATED_AFFAIR_SYSTEM: ("ハ", "行政機関等の個人番号関係事務の情報システム"),
}
_MALICIOUS_ITEM = {Event.UNLAWFUL_USE: "ロ", Event.UNLAWFUL_PROVISION: "ハ"}


def _not_an_incident(facts: Facts) -> Reason | None:
    """The definitions of 別添2 1: what is, on these facts, no 漏えい・滅失・毀損 at all."""
    if facts.event in (Event.LEAK, Event.LEAK_SUSPECTED) and facts.recovered_unviewed:
        return Reason(
            "別添2 1A（なお書き）",
            "第三者に閲覧されないうちに全てを回収したため、漏えいに該当しない。",
            "All was recovered before anyone saw it: not a leak.",
        )
    if facts.event == Event.LOSS and facts.duplicate_exists:
        return Reason(
            "別添2 1B（なお書き）",
            "同じデータが他に保管されているため、滅失に該当しない。",
            "The same data is kept elsewhere: not a loss.",
        )
    if facts.event == Event.DAMAGE and facts.duplicate_exists:
        return Reason(
            "別添2 1C（なお書き）",
            "同じデータが他に保管されているため、毀損（復元不能）に該当しない"
            "（改ざんの場合は該当し得る）。",
            "The same data is kept elsewhere: not damage (tampering still may be).",
        )
    return None


def _categories(rules: RuleSet, facts: Facts) -> list[tuple[int, Reason]]:
    found: list[tuple[int, Reason]] = []
    item = _SYSTEM_ITEM.get(facts.system)
    if item and facts.event in LEAK_FAMILY:
        letter, name = item
        found.append(
            (
                1,
                Reason(
                    f"別添2 3A(1){letter} / 規則第2条第1号{letter}",
                    f"{name}で管理される特定個人情報の{EVENT_JA[facts.event]}。",
                    f"{EVENT_JA[facts.event]} of SPI managed in {facts.system.value}.",
                ),
            )
        )
    if facts.malicious:
        letter = _MALICIOUS_ITEM.get(facts.event, "イ")
        found.append(
            (
                2,
                Reason(
                    f"別添2 3A(2){letter} / 規則第2条第2号{letter}",
                    "不正の目的をもって行われたおそれがある事態（従業者によるものを含む）。",
                    "Possibly done with an unlawful purpose (an employee's included).",
                ),
            )
        )
    if facts.public_exposure:
        found.append(
            (
                3,
                Reason(
                    "別添2 3A(3) / 規則第2条第3号",
                    "電磁的方法により不特定多数の者に閲覧され、又は閲覧されるおそれがある。",
                    "Viewed, or viewable, by an unspecified number of people electronically.",
                ),
            )
        )
    if facts.persons_max > rules.persons_threshold:
        letter = {Event.UNLAWFUL_USE: "ロ", Event.UNLAWFUL_PROVISION: "ハ"}.get(facts.event, "イ")
        found.append(
            (
                4,
                Reason(
                    f"別添2 3A(4){letter} / 規則第2条第4号{letter}",
                    f"本人の数が最大{facts.persons_max}人で{rules.persons_threshold}人を超える"
                    "（確定できないときは最大数で判断）。",
                    f"Up to {facts.persons_max} persons, more than {rules.persons_threshold}"
                    " (the possible maximum counts).",
                ),
            )
        )
    return found


def _preliminary(rules: RuleSet, aware: date) -> tuple[str, date]:
    low, high = rules.preliminary_days or (3, 5)
    target = aware + timedelta(days=low)
    text = (
        f"速やかに（知った時点から概ね{low}日〜{high}日以内、目安 {local_time.day(target)}、"
        f"遅くとも {local_time.day(aware + timedelta(days=high))} 頃）/ promptly "
        f"(about {low}–{high} days after becoming aware; target {local_time.day(target)})"
    )
    return text, target


def _decide_2022(rules: RuleSet, facts: Facts) -> Assessment:
    public = facts.org_kind == Side.PUBLIC_BODY
    reasons = [
        Reason(
            "別添2 3",
            f"{rules.title_ja}を適用（認知日 {local_time.day(facts.aware_date)}）。{VERIFY}",
            f"Rule set: {rules.title_en} (aware {local_time.day(facts.aware_date)}).",
        )
    ]
    nothing = _not_an_incident(facts)
    if nothing is not None:
        return Assessment(rules.id, False, (), False, False, None, None, None, (*reasons, nothing))
    if facts.strong_encryption and facts.event in LEAK_FAMILY:
        reasons.append(
            Reason(
                "別添2 3A（なお書き）・3B / 規則第2条第1号括弧書き",
                "高度な暗号化その他の個人の権利利益を保護するために必要な措置が講じられているため、"
                "報告対象事態に当たらず、ガイドラインに基づく報告も要しない。その判断の根拠を記録すること。",
                "Strong encryption or an equal safeguard: not reportable, not even under the"
                " guideline; record why the safeguard holds.",
            )
        )
        return Assessment(rules.id, False, (), False, False, None, None, None, tuple(reasons))
    if facts.strong_encryption:
        reasons.append(
            Reason(
                "規則第2条第2号・第4号ロ、ハ",
                "不正な利用・提供には暗号化の例外を適用しない（保守的な判断）。",
                "The encryption exception is not applied to unlawful use or provision"
                " (a conservative reading).",
            )
        )
    found = _categories(rules, facts)
    categories = tuple(n for n, _ in found)
    reasons.extend(r for _, r in found)
    if not categories:
        if facts.persons_max <= rules.persons_threshold:
            reasons.append(
                Reason(
                    "別添2 3A(4)",
                    f"本人の数は最大{facts.persons_max}人。{rules.persons_threshold}人を超えた時点で"
                    "第4号に該当するため、影響範囲の更新に応じて再評価する。",
                    f"Up to {facts.persons_max} persons; reassess when the scope grows past"
                    f" {rules.persons_threshold}.",
                )
            )
        reasons.append(
            Reason(
                "別添2 3B",
                "報告対象事態ではないが、行政機関等は委員会に報告する。"
                if public
                else "報告対象事態ではないが、委員会に報告するよう努める。",
                "Not a reportable category, but a public body reports to the PPC under the"
                " guideline."
                if public
                else "Not a reportable category: the business should still report (effort).",
            )
        )
        return Assessment(rules.id, False, (), True, False, None, None, None, tuple(reasons))
    text, target = _preliminary(rules, facts.aware_date)
    days = (rules.final_days_malicious if 2 in categories else rules.final_days) or 30
    due = deadline(facts.aware_date, days)
    reasons.append(
        Reason(
            "別添2 3D / 規則第3条第1項",
            "速報: 知った後、速やかに（概ね3日〜5日以内）。いずれかの部署が知った時点が起算点。",
            "Preliminary report promptly (about 3–5 days) from when any part became aware.",
        )
    )
    reasons.append(
        Reason(
            "別添2 3E（※２）/ 規則第3条第2項",
            f"確報: 知った日を1日目として{days}日以内"
            f"{'（第2号に該当）' if days == rules.final_days_malicious else ''}。"
            "末日が土日・祝日・年末年始（12月29日〜1月3日）のときは翌開庁日。"
            f"期限 {local_time.day(due)}。",
            f"Final report within {days} days, day 1 = aware date; a closed last day moves to"
            f" the next open day: due {local_time.day(due)}.",
        )
    )
    reasons.append(
        Reason(
            "別添2 4A・4C / 番号法第29条の4第2項・規則第5条",
            "本人へ当該事態の状況に応じて速やかに通知する（概要、項目、原因、二次被害、その他）。"
            "困難な場合は公表・問合せ窓口等の代替措置。",
            "Notify the persons promptly as the situation allows (or publish / open an inquiry"
            " desk when notice is impossible).",
        )
    )
    if facts.outsourcee:
        reasons.append(
            Reason(
                "別添2 3C・3F・4A / 規則第4条",
                "委託先として、報告義務を負う委託元に速やかに（概ね3日〜5日以内）通知すれば、"
                "委員会への報告義務及び本人への通知義務は免除される。連名での報告も可能。",
                "As the outsourcee: notify the outsourcer promptly (about 3–5 days); that"
                " notice discharges our own report and notification duties. A joint report is"
                " possible.",
            )
        )
    return Assessment(rules.id, True, categories, False, True, text, target, due, tuple(reasons))


# --- the 2015 regime ------------------------------------------------------------------------

# The 2015 notice is not in shared/legal; 別添2 (2025) replaced it.
NOTICE_2015 = (
    "平成27年特定個人情報保護委員会告示第2号（現 別添2 の前身、e-Gov で要確認）; seed 図表2-1 (3)④"
)


def _decide_2015(rules: RuleSet, facts: Facts) -> Assessment:
    reasons = [
        Reason(
            NOTICE_2015,
            f"{rules.title_ja}を適用（認知日 {local_time.day(facts.aware_date)}）。"
            "原典（平成27年委員会告示）は e-Gov で要確認。",
            f"Rule set: {rules.title_en} (aware {local_time.day(facts.aware_date)}); verify the"
            " 2015 notice on e-Gov.",
        )
    ]
    nothing = _not_an_incident(facts)
    if nothing is not None:
        return Assessment(rules.id, False, (), False, False, None, None, None, (*reasons, nothing))
    external = facts.event in (Event.LEAK, Event.LEAK_SUSPECTED, Event.UNLAWFUL_PROVISION)
    external = external or facts.public_exposure
    many = facts.persons_max > rules.persons_threshold
    if facts.org_kind == Side.PUBLIC_BODY:
        serious = (
            (external and facts.system in (System.NETWORK_SYSTEM, System.USE_AFFAIR_SYSTEM))
            or many
            or facts.public_exposure
            or facts.malicious
        )
        reasons.append(
            Reason(
                f"{NOTICE_2015}（行政機関等）",
                "重大事案（又はそのおそれ）のため直ちに報告する。"
                if serious
                else "委員会に速やかに報告しなければならない。",
                "A serious case: report at once." if serious else "Report to the PPC promptly.",
            )
        )
        text = "直ちに / at once" if serious else "速やかに / promptly"
        return Assessment(rules.id, True, (), False, True, text, None, None, tuple(reasons))
    exempt = (
        facts.persons_notified
        and not external
        and not facts.malicious
        and facts.investigation_concluded
        and not many
    )
    reasons.append(
        Reason(
            f"{NOTICE_2015}（事業者）",
            "五つの要件（本人への連絡、外部への漏えいなし、不正目的でない、調査終了と再発防止策の決定、"
            f"本人{rules.persons_threshold}人以下）を全て満たすため報告を要しない。"
            if exempt
            else "委員会又は主務大臣に報告するよう努める（免除の五要件を満たさない）。",
            "All five exemption conditions hold: no report needed."
            if exempt
            else "The business should report (the five exemption conditions do not all hold).",
        )
    )
    return Assessment(rules.id, False, (), not exempt, True, None, None, None, tuple(reasons))


REGIMES: tuple[RuleSet, ...] = (
    RuleSet(
        id="2015",
        effective_from=date(2015, 10, 5),
        effective_until=date(2022, 4, 1),
        title_ja="平成27年の規律（努力義務・行政機関等は報告義務）",
        title_en="the 2015 rules (effort duty; public bodies must report)",
        persons_threshold=100,
        preliminary_days=None,
        final_days=None,
        final_days_malicious=None,
        decide=_decide_2015,
    ),
    RuleSet(
        id="2022",
        effective_from=date(2022, 4, 1),
        effective_until=None,
        title_ja="令和4年4月1日施行の規律（番号法第29条の4・規則）",
        title_en="the rules in force since 2022-04-01 (番号法第29条の4 and the 規則)",
        persons_threshold=100,
        preliminary_days=(3, 5),
        final_days=30,
        final_days_malicious=60,
        decide=_decide_2022,
    ),
)


def regime_for(facts: Facts) -> RuleSet:
    """The rule set in force on the aware date, or the one asked for if it was in force."""
    for rules in REGIMES:
        if facts.regime is not None and rules.id != facts.regime:
            continue
        if rules.in_force(facts.aware_date):
            return rules
    raise RegimeNotInForce(
        f"認知日 {local_time.day(facts.aware_date)} に適用できる規律がありません",
        f"no rule set applies to the aware date {local_time.day(facts.aware_date)}",
    )


def assess(facts: Facts) -> Assessment:
    rules = regime_for(facts)
    return rules.decide(rules, facts)
