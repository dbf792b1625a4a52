"""``mnvault incident``: assess an incident's facts against 別添2, open and follow incidents."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, signed_in_transaction
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


@app.command("open")
def open_incident(
    title: Annotated[str, typer.Option("--title", help="件名 / title")],
    event: Annotated[
        str,
        typer.Option(
            "--event", help="leak|loss|damage|leak_suspected|unlawful_use|unlawful_provision"
        ),
    ],
    aware_on: Annotated[str, typer.Option("--aware-on", help="認知日 YYYY-MM-DD / aware date")],
    unit: Annotated[str, typer.Option("--unit", help="認知した部署 / the part that became aware")],
    summary: Annotated[str | None, typer.Option("--summary", help="概要 / summary")] = None,
    persons_max: Annotated[
        int, typer.Option("--persons-max", min=0, help="本人の数（最大） / persons, maximum")
    ] = 0,
    system: Annotated[
        str,
        typer.Option(
            "--system",
            help="network_system|use_affair_system|public_body_related_affair_system|other",
        ),
    ] = "other",
    source: Annotated[
        str | None,
        typer.Option(
            "--from", help="発端 KIND:ID（analysis_finding, trail_verification, lost_device）"
        ),
    ] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """漏えい等事案を登録 / open an incident (managers)."""
    try:
        day = date.fromisoformat(aware_on)
    except ValueError:
        fail("認知日は YYYY-MM-DD / the aware date is YYYY-MM-DD")
    kind, _, ref = (source or "manual:").partition(":")
    with signed_in_transaction(data_dir, user) as (session, context):
        opened = incidents.open_incident(
            session, context, title=title, event=event, aware_on=day, unit=unit,
            summary=summary, persons_max=persons_max, system=system,
            source_kind=kind, source_ref=ref or None,
        )  # fmt: skip
    typer.echo(str(opened))


@app.command("show")
def show(
    incident_id: Annotated[uuid.UUID, typer.Argument(help="事案ID / incident id")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON で出力 / print JSON")] = False,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """事案の状況と期限 / an incident, its steps and its deadlines."""
    with signed_in_transaction(data_dir, user) as (session, context):
        view = incidents.incident(session, context, incident_id)
    if as_json:
        typer.echo(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
        return
    a = view.assessment
    typer.echo(f"{view.title}  ({view.event}, 認知日 / aware {view.aware_date.isoformat()})")
    typer.echo(
        f"報告対象 / reportable: {'はい yes' if a.reportable else 'いいえ no'}"
        f"  号 / categories: {list(a.categories)}"
    )
    if a.preliminary:
        typer.echo(f"速報 / preliminary: {a.preliminary}")
    if a.final_report_due:
        typer.echo(
            f"確報期限 / final report due: {a.final_report_due.isoformat()}"
            f"（残り {view.days_to_final} 日 / {view.days_to_final} days left）"
        )
    for s in view.steps:
        state = "完了 done" if s.done_at else ("着手 started" if s.started_at else "未着手 open")
        typer.echo(f"  {s.step:7} {s.title_ja} — {state}  {s.owner or ''}")


@app.command("report")
def report(
    incident_id: Annotated[uuid.UUID, typer.Argument(help="事案ID / incident id")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="preliminary|final|notice_persons|alternative|publication|outsourcer_notice",
        ),
    ] = "final",
    fmt: Annotated[str, typer.Option("--format", help="pdf | xlsx | json")] = "json",
    out: Annotated[Path | None, typer.Option("--out", help="出力先 / output file")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """報告書等の新しい版を作成し出力 / draft a new version of a report and export it."""
    if fmt not in ("pdf", "xlsx", "json"):
        fail("形式は pdf・xlsx・json / format is pdf, xlsx or json")
    if fmt != "json" and out is None:
        fail("--out を指定してください / give --out")
    with signed_in_transaction(data_dir, user) as (session, context):
        made = incidents.draft(session, context, incident_id, kind)
        data = None
        if fmt != "json":
            _name, data = incidents.export_draft(session, context, incident_id, made.id, fmt)
    if data is None:
        body = {"kind": made.kind, "version": made.version, "sections": made.sections}
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    assert out is not None  # noqa: S101 - checked above
    out.write_bytes(data)
    typer.echo(f"書き出しました / written: {out}（第{made.version}版 / version {made.version}）")
