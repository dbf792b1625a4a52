"""Issue #14, the catalogue: every measure heading of 別添1 (事業者編 and 行政機関等編) and of
別添2 2 has a row, every quoted text is in the guideline word for word (whitespace aside), and the
obligation levels follow the guideline (small-business relief only where 別添1 gives one, never for
a financial institution). The texts are read from ../shared/legal; under CI=true their absence
fails the test."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mnvault.compliance.catalogue import (
    GROUP_IDS,
    Obligation,
    Source,
    all_measures,
    applicable,
)
from mnvault.orgs.models import OrganisationKind
from tests.support.legal import legal_text

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    Source.BUSINESS: "ppc-guideline-business.txt",
    Source.GOVERNMENT: "ppc-guideline-government.txt",
}
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _text(source: Source) -> str:
    return legal_text(FILES[source])


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _annex(text: str, number: str) -> str:
    """The body of 別添1 / 別添2 (after its table of contents) up to the next annex."""
    start = text.index(f"\n（別添{number}）特定個人情報")  # the annex itself, not a reference to it
    end = text.index("\n（別添２）特定個人情報", start + 1) if number == "１" else len(text)
    return text[start:end]


# A section line "１" is followed by its title; "１\nＡ参照" is a cross-reference, not a section.
_SECTION = re.compile(r"^([１２])\n([^Ａ-Ｚａ-ｚ（\n][^\n]*)$", re.MULTILINE)


def _is_section(lines: list[str], i: int) -> bool:
    return (
        lines[i] in {"１", "２", "３", "４"}
        and i + 1 < len(lines)
        and bool(re.match(r"[^Ａ-Ｚａ-ｚ（\s]", lines[i + 1]))
        and "参照" not in lines[i + 1]
    )


_MAJOR = re.compile(r"^([Ａ-Ｇ]) (\S.*)$")
_MINOR = re.compile(r"^([ａ-ｅ]) (\S.*)$")
_FULL = str.maketrans("ＡＢＣＤＥＦＧａｂｃｄｅ１２", "ABCDEFGabcde12")


def headings(annex_text: str) -> dict[str, str]:
    """The measure headings of an annex body: {"2Ca": "組織体制の整備", …}.

    The files set a heading as a line "Ａ 題" (full-width capital, one space) or "ａ 題" under a
    section line "１"/"２" followed by its title; the table of contents repeats them, so only the
    part after the last "１\\n<first section title>" counts."""
    sections = list(_SECTION.finditer(annex_text))
    first_title = sections[0].group(2)
    body_start = max(
        m.start() for m in sections if m.group(1) == "１" and m.group(2) == first_title
    )
    found: dict[str, str] = {}
    section = major = ""
    lines = annex_text[body_start:].splitlines()
    for i, line in enumerate(lines):
        if _is_section(lines, i):
            if line in {"３", "４"}:
                break  # 別添1 has two sections; 別添2's measures are its section 2
            section = line.translate(_FULL)
            major = ""
            continue
        if m := _MAJOR.match(line):
            major = m.group(1).translate(_FULL)
            found[f"{section}{major}"] = m.group(2).strip()
        elif (m := _MINOR.match(line)) and major:
            found[f"{section}{major}{m.group(1).translate(_FULL)}"] = m.group(2).strip()
    return found


@pytest.mark.parametrize("source", list(Source))
def test_every_annex1_heading_has_a_row(source: Source) -> None:
    found = headings(_annex(_text(source), "１"))
    assert len(found) >= 25, (
        found
    )  # 1A–1E, 2A, 2B, 2C a–e, 2D a–b(c), 2E a–d, 2F a–d, 2G (+ groups)
    prefix = "J" if source is Source.BUSINESS else "G"
    rows = {
        m.id.removeprefix(f"{prefix}-"): m
        for m in all_measures()
        if m.source is source and m.annex == "別添1"
    }
    for clause, title in found.items():
        if clause in {"2C", "2D", "2E", "2F"}:
            continue  # group headings: their measures are a–e
        assert clause in rows, f"{source} 別添1 {clause} {title} has no row"
        assert rows[clause].title_ja == title, (clause, title, rows[clause].title_ja)


@pytest.mark.parametrize("source", list(Source))
def test_every_annex2_step_has_a_row(source: Source) -> None:
    annex2 = _annex(_text(source), "２")
    found = {k: v for k, v in headings(annex2).items() if k.startswith("2")}
    assert set(found) == {"2A", "2B", "2C", "2D", "2E"}, found
    rows = {m.clause: m for m in all_measures() if m.source is source and m.annex == "別添2"}
    for clause, title in found.items():
        assert rows[clause].title_ja.startswith(title[:6]), (clause, title)


def test_each_quote_is_in_its_annex_word_for_word() -> None:
    squashed = {
        (source, number): _squash(_annex(_text(source), number))
        for source in Source
        for number in ("１", "２")
    }
    for m in all_measures():
        annex = squashed[m.source, "１" if m.annex == "別添1" else "２"]
        assert _squash(m.text_ja) in annex, f"{m.id}: text not in {m.source} {m.annex}"
        if m.small_business_ja is not None:
            assert m.small_business_ja and _squash(m.small_business_ja) in annex, m.id
            assert "中小規模事業者における対応方法" in annex


def test_quotes_are_placed_under_their_own_clause() -> None:
    """A quote must stand in its own heading's section, not merely somewhere in the annex."""
    for source in Source:
        body = _annex(_text(source), "１")
        spans = _clause_spans(body)
        for m in all_measures():
            if m.source is not source or m.annex != "別添1":
                continue
            assert m.clause in spans, m.id
            assert _squash(m.text_ja) in _squash(spans[m.clause]), (
                f"{m.id}: quote is not under {m.clause}"
            )


def _clause_spans(body: str) -> dict[str, str]:
    lines = body.splitlines()
    keys = headings(body)
    spans: dict[str, list[str]] = {}
    current = None
    section = major = ""
    sections = list(_SECTION.finditer(body))
    first_title = sections[0].group(2)
    start_line = body[
        : max(m.start() for m in sections if m.group(1) == "１" and m.group(2) == first_title)
    ].count("\n")
    for i, line in enumerate(lines[start_line:], start=start_line):
        if _is_section(lines, i):
            section, major, current = line.translate(_FULL), "", None
            continue
        if m := _MAJOR.match(line):
            major = m.group(1).translate(_FULL)
            current = f"{section}{major}"
        elif (m := _MINOR.match(line)) and major:
            current = f"{section}{major}{m.group(1).translate(_FULL)}"
        if current in keys:
            spans.setdefault(current, []).append(line)
    return {k: "\n".join(v) for k, v in spans.items()}


def test_ids_unique_and_groups_known() -> None:
    ids = [m.id for m in all_measures()]
    assert len(ids) == len(set(ids))
    assert all(m.group in GROUP_IDS for m in all_measures())
    assert all(m.title_en and m.text_en for m in all_measures())


def test_obligations_per_kind() -> None:
    """Small business relief only where 別添1 gives a 中小規模事業者における対応方法; a financial
    institution always follows the company column; each body follows its own guideline."""
    for m in all_measures():
        company = m.obligation(OrganisationKind.COMPANY)
        assert m.obligation(OrganisationKind.FINANCIAL_INSTITUTION) is company, m.id
        small = m.obligation(OrganisationKind.SMALL_BUSINESS)
        if small is Obligation.REQUIRED_SMALL_BUSINESS_FORM:
            assert m.source is Source.BUSINESS
            assert m.small_business_ja is not None or m.id == "J-2B.3", m.id
        if m.source is Source.BUSINESS:
            assert m.obligation(OrganisationKind.LOCAL_GOVERNMENT) is Obligation.NOT_APPLICABLE
        else:
            assert company is Obligation.NOT_APPLICABLE
            assert m.obligation(OrganisationKind.ADMINISTRATIVE_AGENCY) is m.obligation(
                OrganisationKind.LOCAL_GOVERNMENT
            )
    by_id = {m.id: m for m in all_measures()}
    assert (
        by_id["J-2Ce"].obligation(OrganisationKind.SMALL_BUSINESS)
        is Obligation.REQUIRED_SMALL_BUSINESS_FORM
    )
    assert by_id["J-2Ce"].obligation(OrganisationKind.FINANCIAL_INSTITUTION) is Obligation.REQUIRED
    assert (
        by_id["J-2Da"].obligation(OrganisationKind.SMALL_BUSINESS) is Obligation.REQUIRED
    )  # no relief given
    assert by_id["J-2A"].obligation(OrganisationKind.COMPANY) is Obligation.DESIRABLE  # 重要である
    assert by_id["G-2Db.4"].default_interval_days == 365  # 番号法第29条の2: おおむね一年ごと
    assert {m.id for m in applicable(OrganisationKind.LOCAL_GOVERNMENT)} >= {
        "G-2Ca.1",
        "G-2Ca.2",
        "G-2Ca.3",
        "G-2Fa.3",
    }
