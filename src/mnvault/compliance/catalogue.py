"""The measure catalogue: each 安全管理措置 of 別添1 (事業者編, 行政機関等編) and 別添2 as a row.

The rows are reviewed data (catalogue_business.py, catalogue_government.py,
catalogue_incidents.py), not parsed from the guideline at run time;
tests/test_compliance_catalogue.py
checks every quoted text against shared/legal and that no 別添1 heading lacks a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from mnvault.orgs.models import OrganisationKind


class Obligation(StrEnum):
    DESIRABLE = "desirable"  # 望ましい / 重要である / 考えられる (手法の例示)
    NOT_APPLICABLE = "not_applicable"
    REQUIRED = "required"
    REQUIRED_SMALL_BUSINESS_FORM = "required_small_business_form"  # 中小規模事業者における対応方法


class Source(StrEnum):
    BUSINESS = "business"  # 事業者編
    GOVERNMENT = "government"  # 行政機関等編


class Part(StrEnum):
    """Where in the guideline the quoted text stands."""

    BODY = "body"  # the measure's own text (本文)
    EXAMPLE = "example"  # 手法の例示
    ADDITION = "addition"  # a sentence of 行政機関等編 that 事業者編 does not have
    SMALL_BUSINESS = "small_business"  # a 中小規模事業者における対応方法 without a company twin


SOURCE_TITLE_JA = {Source.BUSINESS: "事業者編", Source.GOVERNMENT: "行政機関等編"}
SOURCE_TITLE_EN = {
    Source.BUSINESS: "guideline for businesses",
    Source.GOVERNMENT: "guideline for administrative bodies",
}

BUSINESS_KINDS = (
    OrganisationKind.COMPANY,
    OrganisationKind.SMALL_BUSINESS,
    OrganisationKind.FINANCIAL_INSTITUTION,
)
GOVERNMENT_KINDS = (OrganisationKind.ADMINISTRATIVE_AGENCY, OrganisationKind.LOCAL_GOVERNMENT)


@dataclass(frozen=True)
class Group:
    """A heading of 別添1 under which the page groups measures (1, 2A … 2G, 別添2)."""

    id: str
    title_ja: str
    title_en: str


GROUPS: tuple[Group, ...] = (
    Group("1", "安全管理措置の検討手順", "Steps to consider the measures"),
    Group("2A", "基本方針の策定", "Basic policy"),
    Group("2B", "取扱規程等の策定（見直し等）", "Handling rules"),
    Group("2C", "組織的安全管理措置", "Organisational measures"),
    Group("2D", "人的安全管理措置", "Human measures"),
    Group("2E", "物理的安全管理措置", "Physical measures"),
    Group("2F", "技術的安全管理措置", "Technical measures"),
    Group("2G", "外的環境の把握", "Foreign environment"),
    Group(
        "別添2", "漏えい等事案が発覚した場合に講ずべき措置", "Steps when an incident comes to light"
    ),
)
GROUP_IDS = tuple(g.id for g in GROUPS)


@dataclass(frozen=True)
class Measure:
    """One measure. `clause` is the guideline's own numbering (2Ca = 別添1 2C a)."""

    id: str
    source: Source
    annex: str  # "別添1" or "別添2"
    clause: str
    group: str
    part: Part
    title_ja: str
    title_en: str
    text_ja: str  # quoted exactly from shared/legal (whitespace aside)
    text_en: str
    obligations: Mapping[OrganisationKind, Obligation]
    small_business_ja: str | None = None  # 【中小規模事業者における対応方法】, quoted
    small_business_en: str | None = None
    seed: str | None = None  # the seed's table row beside the 別添1 id, as "seed 図表2-1 (3)①"
    default_interval_days: int | None = None  # where the guideline gives one
    default_owner: str = "manager"

    @property
    def citation_ja(self) -> str:
        clause = self.clause
        readable = clause[:2] + (" " + clause[2:] if len(clause) > 2 else "")
        tail = {
            Part.EXAMPLE: " 手法の例示",
            Part.SMALL_BUSINESS: " 中小規模事業者における対応方法",
        }.get(self.part, "")
        return f"{SOURCE_TITLE_JA[self.source]} {self.annex} {readable}{tail}"

    @property
    def citation_en(self) -> str:
        clause = self.clause
        readable = clause[:2] + (" " + clause[2:] if len(clause) > 2 else "")
        tail = " (example method)" if self.part is Part.EXAMPLE else ""
        annex = {"別添1": "Annex 1", "別添2": "Annex 2"}[self.annex]
        return f"{SOURCE_TITLE_EN[self.source]}, {annex} {readable}{tail}"

    def obligation(self, kind: OrganisationKind | str) -> Obligation:
        return self.obligations[OrganisationKind(kind)]


@dataclass(frozen=True)
class RowSpec:
    """The reviewed part of a row; `business()` / `government()` add the per-kind levels."""

    id: str
    clause: str
    group: str
    title_ja: str
    title_en: str
    text_ja: str
    text_en: str
    part: Part = Part.BODY
    level: Obligation = Obligation.REQUIRED
    small_business_ja: str | None = None
    small_business_en: str | None = None
    seed: str | None = None
    default_interval_days: int | None = None
    default_owner: str = "manager"
    annex: str = "別添1"
    overrides: Mapping[OrganisationKind, Obligation] = field(default_factory=dict)


def _make(spec: RowSpec, source: Source, levels: dict[OrganisationKind, Obligation]) -> Measure:
    levels.update(spec.overrides)
    return Measure(
        id=spec.id,
        source=source,
        annex=spec.annex,
        clause=spec.clause,
        group=spec.group,
        part=spec.part,
        title_ja=spec.title_ja,
        title_en=spec.title_en,
        text_ja=spec.text_ja,
        text_en=spec.text_en,
        obligations=MappingProxyType(levels),
        small_business_ja=spec.small_business_ja,
        small_business_en=spec.small_business_en,
        seed=spec.seed,
        default_interval_days=spec.default_interval_days,
        default_owner=spec.default_owner,
    )


def business(spec: RowSpec) -> Measure:
    """A 事業者編 row: companies and financial institutions take its level (the seed's 注:
    金融機関は企業と同様, 中小企業の特例は無い); a small business takes the 中小規模事業者における
    対応方法 where 別添1 gives one; bodies of 行政機関等編 follow their own rows."""
    small = spec.level
    if spec.small_business_ja is not None and spec.level is Obligation.REQUIRED:
        small = Obligation.REQUIRED_SMALL_BUSINESS_FORM
    levels = {
        OrganisationKind.COMPANY: spec.level,
        OrganisationKind.SMALL_BUSINESS: small,
        OrganisationKind.FINANCIAL_INSTITUTION: spec.level,
        OrganisationKind.ADMINISTRATIVE_AGENCY: Obligation.NOT_APPLICABLE,
        OrganisationKind.LOCAL_GOVERNMENT: Obligation.NOT_APPLICABLE,
    }
    return _make(spec, Source.BUSINESS, levels)


def government(spec: RowSpec) -> Measure:
    """A 行政機関等編 row: administrative agencies and local governments take its level."""
    levels = {kind: Obligation.NOT_APPLICABLE for kind in BUSINESS_KINDS}
    levels.update({kind: spec.level for kind in GOVERNMENT_KINDS})
    return _make(spec, Source.GOVERNMENT, levels)


def all_measures() -> tuple[Measure, ...]:
    """Every row, in the order of the guideline (business, government, then 別添2)."""
    from mnvault.compliance import (  # noqa: PLC0415 - the data modules import this one
        catalogue_business,
        catalogue_government,
        catalogue_incidents,
    )

    return (
        catalogue_business.MEASURES + catalogue_government.MEASURES + catalogue_incidents.MEASURES
    )


def measure_by_id(measure_id: str) -> Measure | None:
    return _index().get(measure_id)


def _index() -> dict[str, Measure]:
    global _INDEX  # noqa: PLW0603 - built once; the rows never change at run time
    if _INDEX is None:
        _INDEX = {m.id: m for m in all_measures()}
    return _INDEX


_INDEX: dict[str, Measure] | None = None


def applicable(kind: OrganisationKind | str) -> tuple[Measure, ...]:
    """The rows that bind or are recommended to an organisation of this kind."""
    return tuple(m for m in all_measures() if m.obligation(kind) is not Obligation.NOT_APPLICABLE)
