"""``mnvault incident``: assess an incident's facts against 別添2, open and follow incidents."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import fail
from mnvault.incidents import services as incidents
from mnvault.incidents.errors import IncidentError

app = typer.Typer(
    help="漏えい等事案と委員会への報告 / incidents and the PPC leak report (別添2)",
    no_args_is_help=True,
)


@app.command("assess")
def assess(
    facts: Annotated[
        str,
        typer.Option(
            "--facts", help="事実関係の JSON ファイル（- で標準入力） / facts JSON file or -"
        ),
    ],
) -> None:
    """報告対象事態か、期限はいつか / whether the PPC must be told, and by when."""
    try:
        text = sys.stdin.read() if facts == "-" else Path(facts).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"読み込めません / cannot read: {exc.strerror}")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        fail("JSON として読めません / not valid JSON")
    try:
        result = incidents.assess_facts(raw)
    except IncidentError as exc:
        fail(str(exc))
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
