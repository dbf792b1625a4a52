"""Issue #17: `mnvault incident assess --facts FILE.json` (and `-` for stdin) prints exactly the
issue's JSON object; bad facts exit 1 with a bilingual line."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from mnvault.cli import incidents

root = typer.Typer()
root.add_typer(incidents.app, name="incident")
runner = CliRunner()

FACTS = {
    "org_kind": "company",
    "aware_date": "2026-12-01",
    "event": "leak",
    "persons_max": 150,
    "malicious": False,
    "public_exposure": False,
    "strong_encryption": False,
    "recovered_unviewed": False,
    "duplicate_exists": False,
    "system": "other",
}


def test_assess_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(FACTS), encoding="utf-8")
    result = runner.invoke(root, ["incident", "assess", "--facts", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert list(out) == [
        "reportable",
        "categories",
        "effort_to_report",
        "notify_persons",
        "preliminary",
        "final_report_due",
        "reasons",
    ]
    assert out["reportable"] is True
    assert out["categories"] == [4]
    assert out["final_report_due"] == "2027-01-04"  # day 30 is 12/30: the closure rolls it


def test_assess_from_stdin_malicious_gives_sixty_days() -> None:
    facts = {**FACTS, "aware_date": "2026-12-07", "persons_max": 3, "malicious": True}
    result = runner.invoke(root, ["incident", "assess", "--facts", "-"], input=json.dumps(facts))
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["categories"], out["final_report_due"]) == ([2], "2027-02-04")


def test_bad_facts_exit_one_in_both_languages() -> None:
    result = runner.invoke(
        root, ["incident", "assess", "--facts", "-"], input=json.dumps({**FACTS, "event": "x"})
    )
    assert result.exit_code == 1
    assert "事実関係" in result.output
    assert "invalid incident facts" in result.output
    result = runner.invoke(root, ["incident", "assess", "--facts", "-"], input="{not json")
    assert result.exit_code == 1
