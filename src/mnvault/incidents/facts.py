"""The facts an assessment reads, and reading them from JSON (``mnvault incident assess
--facts``, the API, the incident page). Nothing here is a number: the facts are kinds, dates,
counts and yes/no answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from mnvault.incidents.errors import InvalidFacts


class Side(StrEnum):
    """Which 別添2 applies: 事業者編 or 行政機関等編."""

    BUSINESS = "business"
    PUBLIC_BODY = "public_body"


# The organisation kinds of mnvault.orgs, and the two plain words, mapped to a side.
ORG_KINDS: dict[str, Side] = {
    "business": Side.BUSINESS,
    "company": Side.BUSINESS,
    "small_business": Side.BUSINESS,
    "financial_institution": Side.BUSINESS,
    "public_body": Side.PUBLIC_BODY,
    "administrative_agency": Side.PUBLIC_BODY,
    "local_government": Side.PUBLIC_BODY,
}


class Event(StrEnum):
    LEAK = "leak"  # 漏えい
    LOSS = "loss"  # 滅失
    DAMAGE = "damage"  # 毀損
    LEAK_SUSPECTED = "leak_suspected"  # 漏えい等が発生したおそれ
    UNLAWFUL_USE = "unlawful_use"  # 番号法第9条に反する利用
    UNLAWFUL_PROVISION = "unlawful_provision"  # 番号法第19条に反する提供


# 漏えい、滅失若しくは毀損（以下「漏えい等」）, actual or feared (規則第2条第1号).
LEAK_FAMILY = frozenset({Event.LEAK, Event.LOSS, Event.DAMAGE, Event.LEAK_SUSPECTED})

EVENT_JA = {
    Event.LEAK: "漏えい",
    Event.LOSS: "滅失",
    Event.DAMAGE: "毀損",
    Event.LEAK_SUSPECTED: "漏えい等のおそれ",
    Event.UNLAWFUL_USE: "番号法第9条に反する利用",
    Event.UNLAWFUL_PROVISION: "番号法第19条に反する提供",
}


class System(StrEnum):
    NETWORK_SYSTEM = "network_system"  # 規則第2条第1号イ
    USE_AFFAIR_SYSTEM = "use_affair_system"  # 同号ロ
    PUBLIC_BODY_RELATED_AFFAIR_SYSTEM = "public_body_related_affair_system"  # 同号ハ
    OTHER = "other"  # e.g. a company's payroll (個人番号関係事務)


@dataclass(frozen=True)
class Facts:
    org_kind: Side
    aware_date: date
    event: Event
    persons_max: int = 0
    malicious: bool = False
    public_exposure: bool = False
    strong_encryption: bool = False
    recovered_unviewed: bool = False
    duplicate_exists: bool = False
    system: System = System.OTHER
    # Beyond the list: the incident happened at us as a 委託先 (別添2 3C, 3F).
    outsourcee: bool = False
    # Only the 2015 regime reads these (its exemption conditions for companies).
    persons_notified: bool = False
    investigation_concluded: bool = False
    # "2015" or "2022"; None chooses by the aware date.
    regime: str | None = None


_BOOLS = (
    "malicious",
    "public_exposure",
    "strong_encryption",
    "recovered_unviewed",
    "duplicate_exists",
    "outsourcee",
    "persons_notified",
    "investigation_concluded",
)
_KNOWN = frozenset({"org_kind", "aware_date", "event", "persons_max", "system", "regime", *_BOOLS})


def _choice(raw: dict[str, Any], key: str, allowed: dict[str, Any], default: Any = None) -> Any:
    value = raw.get(key, default)
    if value is None and default is None:
        raise InvalidFacts(f"{key} がありません", f"{key} is missing")
    if not isinstance(value, str) or value not in allowed:
        names = ", ".join(sorted(allowed))
        raise InvalidFacts(f"{key} は次のいずれか: {names}", f"{key} must be one of: {names}")
    return allowed[value]


def parse(raw: object) -> Facts:
    """Facts from a decoded JSON object; an unknown or ill-typed field is refused, so a typo
    cannot silently turn a reportable incident into a quiet one."""
    if not isinstance(raw, dict):
        raise InvalidFacts(
            "事実関係は JSON オブジェクトで指定します", "facts must be a JSON object"
        )
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        names = ", ".join(unknown)
        raise InvalidFacts(f"不明な項目: {names}", f"unknown fields: {names}")
    aware = raw.get("aware_date")
    try:
        aware_date = date.fromisoformat(aware) if isinstance(aware, str) else None
    except ValueError:
        aware_date = None
    if aware_date is None:
        raise InvalidFacts(
            "aware_date は ISO 形式の日付（例 2026-12-07）です",
            "aware_date must be an ISO date (e.g. 2026-12-07)",
        )
    persons = raw.get("persons_max", 0)
    if isinstance(persons, bool) or not isinstance(persons, int) or persons < 0:
        raise InvalidFacts(
            "persons_max は 0 以上の整数です", "persons_max must be a non-negative integer"
        )
    flags: dict[str, bool] = {}
    for key in _BOOLS:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise InvalidFacts(f"{key} は true/false です", f"{key} must be true or false")
        flags[key] = value
    regime = raw.get("regime")
    if regime is not None and regime not in ("2015", "2022"):
        raise InvalidFacts("regime は 2015 又は 2022 です", "regime must be 2015 or 2022")
    return Facts(
        org_kind=_choice(raw, "org_kind", ORG_KINDS),
        aware_date=aware_date,
        event=_choice(raw, "event", {e.value: e for e in Event}),
        persons_max=persons,
        system=_choice(raw, "system", {s.value: s for s in System}, default="other"),
        regime=regime,
        **flags,
    )
