"""The CLI import's error lines redact field content as the web import does (issue #11,
"No number in the trail, logs or free text"): a number typed into a column that a reason
quotes (the person kind, the department, the external id) is neither printed nor written
to the --errors-file."""

from __future__ import annotations

import random
from pathlib import Path

from mnvault.numbers import generate_my_number, redact
from mnvault.vault.csvfile import COLUMNS
from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


def test_cli_import_error_lines_are_redacted(deployment: Deployment, tmp_path: Path) -> None:
    rng = random.Random(21)
    good, typed = generate_my_number(rng), generate_my_number(rng)
    grouped = f"{typed[:4]}-{typed[4:8]}-{typed[8:]}"
    people = tmp_path / "people.csv"
    row = {column: "" for column in COLUMNS}
    row.update(external_ref="R1", kind=grouped, name="試験 一郎", my_number=good,
               number_check_document="my_number_card",
               identity_check_document="my_number_card")  # fmt: skip
    people.write_text(
        ",".join(COLUMNS) + "\n" + ",".join(row[c] for c in COLUMNS) + "\n", encoding="utf-8"
    )
    errors = tmp_path / "errors.txt"
    code, out = deployment.clerk(
        "import", "persons", str(people), "--affair", "withholding_slip",
        "--errors-file", str(errors),
    )  # fmt: skip
    written = errors.read_text(encoding="utf-8")
    assert code == 1 and "line 2" in out and "line 2" in written
    for text in (out, written):
        assert typed not in text.replace("-", "") and grouped not in text
        assert good not in text
        assert redact(text) == text
