"""The checklist of an inspection: the measures of the compliance catalogue that bind the
organisation's kind (別添1 2A–2G), each with what to look at. Reviewed catalogue rows, not
text typed here: the item says what the guideline asks, in its own words."""

from __future__ import annotations

from dataclasses import dataclass

from mnvault.compliance.catalogue import Measure, Obligation, applicable, measure_by_id
from mnvault.orgs.models import OrganisationKind

GROUPS = ("2A", "2B", "2C", "2D", "2E", "2F", "2G")
BINDING = (Obligation.REQUIRED, Obligation.REQUIRED_SMALL_BUSINESS_FORM)


@dataclass(frozen=True)
class ChecklistItem:
    measure_id: str
    group: str
    title_ja: str
    title_en: str
    citation_ja: str
    citation_en: str
    look_at_ja: str
    look_at_en: str


def item_of(measure: Measure, kind: OrganisationKind | str) -> ChecklistItem:
    small = measure.obligation(kind) is Obligation.REQUIRED_SMALL_BUSINESS_FORM
    return ChecklistItem(
        measure.id, measure.group, measure.title_ja, measure.title_en,
        measure.citation_ja, measure.citation_en,
        (measure.small_business_ja if small and measure.small_business_ja else measure.text_ja),
        (measure.small_business_en if small and measure.small_business_en else measure.text_en),
    )  # fmt: skip


def checklist(kind: OrganisationKind | str) -> list[ChecklistItem]:
    """Every binding measure of 別添1 2A–2G for this kind, in the guideline's order."""
    return [
        item_of(m, kind)
        for m in applicable(kind)
        if m.group in GROUPS and m.obligation(kind) in BINDING
    ]


def describe(measure_id: str, kind: OrganisationKind | str) -> ChecklistItem | None:
    measure = measure_by_id(measure_id)
    return None if measure is None else item_of(measure, kind)
