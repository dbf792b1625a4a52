"""``mnvault policy``: the 基本方針 and 取扱規程 — draft, list, upload, approve, publish,
download (別添1 2A, 2B). Versions are named by document and number (``handling_rules 2``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.policies import services as policies
from mnvault.policies.shapes import overview_json, version_json

app = typer.Typer(
    help="基本方針・取扱規程 / basic policy and handling rules (別添1 2A, 2B)", no_args_is_help=True
)

DocumentArg = Annotated[
    str, typer.Argument(help="basic_policy（基本方針）| handling_rules（取扱規程）")
]
NumberArg = Annotated[int, typer.Argument(help="版番号 / version number")]


@contextmanager
def _session(data_dir: Path | None, user: str | None) -> Iterator[tuple[Session, Any, Context]]:
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                yield session, vault.envelope, context
        except KNOWN_ERRORS as exc:
            fail(str(exc))


def _run(data_dir: Path | None, user: str | None, work: Callable[..., Any]) -> Any:
    with _session(data_dir, user) as (session, envelope, context):
        return work(session, envelope, context)


def _echo_version(session: Session, context: Context, document: str, number: int) -> None:
    for doc in policies.overview(session, context):
        for v in doc.versions:
            if doc.document.value == document and v.number == number:
                typer.echo(json.dumps(version_json(v), ensure_ascii=False, indent=2))


@app.command("draft")
def draft(document: DocumentArg, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """組織のデータから案を作成（Word・PDF）/ generate a draft from the organisation's data."""

    def work(session: Session, envelope: Any, context: Context) -> None:
        row = policies.draft(session, envelope, context, document=policies.document_of(document))
        _echo_version(session, context, document, row.number)

    _run(data_dir, user, work)


@app.command("list")
def listing(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """現行の版・履歴・新しい案の推奨 / the version in force, history, suggestions (JSON)."""

    def work(session: Session, _e: Any, context: Context) -> dict[str, Any]:
        return overview_json(policies.overview(session, context))

    typer.echo(json.dumps(_run(data_dir, user, work), ensure_ascii=False, indent=2))


@app.command("upload")
def upload(
    document: DocumentArg,
    file: Annotated[Path, typer.Argument(help="編集した .docx または .pdf / edited file")],
    note: Annotated[str | None, typer.Option("--note", help="メモ / note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """編集した版をアップロード / upload an edited copy as a new version."""
    try:
        data = file.read_bytes()
    except OSError:
        fail(f"ファイルを読めません / cannot read {file.name}")

    def work(session: Session, envelope: Any, context: Context) -> None:
        row = policies.upload(
            session, envelope, context, document=policies.document_of(document),
            filename=file.name, data=data, note=note,
        )  # fmt: skip
        _echo_version(session, context, document, row.number)

    _run(data_dir, user, work)


@app.command("approve")
def approve(
    document: DocumentArg, number: NumberArg, data_dir: DataDir = None, user: UserOpt = None
) -> None:
    """責任者として承認（作成者以外）/ approve as a manager other than the author."""

    def work(session: Session, _e: Any, context: Context) -> None:
        doc = policies.document_of(document)
        version_id = policies.version_id_of(session, context, doc, number)
        policies.approve(session, context, version_id=version_id)
        _echo_version(session, context, document, number)

    _run(data_dir, user, work)


@app.command("publish")
def publish(
    document: DocumentArg,
    number: NumberArg,
    effective: Annotated[str, typer.Option("--effective", help="施行日 YYYY-MM-DD")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """承認済の版を施行日を付けて公表 / publish an approved version with its effective date."""
    try:
        effective_from = date.fromisoformat(effective)
    except ValueError:
        fail("施行日は YYYY-MM-DD / the effective date is YYYY-MM-DD")

    def work(session: Session, _e: Any, context: Context) -> None:
        doc = policies.document_of(document)
        version_id = policies.version_id_of(session, context, doc, number)
        policies.publish(session, context, version_id=version_id, effective_from=effective_from)
        _echo_version(session, context, document, number)

    _run(data_dir, user, work)


@app.command("download")
def download(
    document: DocumentArg,
    out: Annotated[Path, typer.Option("--out", help="出力先ファイル / output file")],
    number: Annotated[
        int | None,
        typer.Option("--version", help="版番号（省略時は現行）/ version (default: current)"),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf")] = "pdf",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """版のファイル（省略時は現行の版）/ a version's file (default: the one in force)."""
    if fmt not in ("docx", "pdf"):
        fail("--format は docx か pdf / --format is docx or pdf")

    def work(session: Session, envelope: Any, context: Context) -> policies.Download:
        doc = policies.document_of(document)
        if number is None:
            return policies.download(session, envelope, context, document=doc, fmt=fmt)
        version_id = policies.version_id_of(session, context, doc, number)
        return policies.download(session, envelope, context, version_id=version_id, fmt=fmt)

    got = _run(data_dir, user, work)
    out.write_bytes(got.data)
    typer.echo(f"書き出しました / written: {out} (sha256 {got.sha256})")
