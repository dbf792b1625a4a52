"""`mnvault audit`: verify the tamper-evident trail, export it, show the signing key;
answer an auditor's questions and write the periodic report.

Thin: the rules live in mnvault.audit (verify, answers, periodic, report). Verification
only reads. It trusts the key given with --public-key, else the key pinned at init
(next to the keyring), never a key the witness names; only a deployment older than the
pin falls back to the keyring's own key (and needs its passphrase). The questions and
the report need an auditor's sign-in (``audit:read``), and each is itself recorded in
the trail.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AccessError
from mnvault.access.models import DEFAULT_TIME_ZONE
from mnvault.audit import checkpoints as audit_checkpoints
from mnvault.audit import pinned_key
from mnvault.audit.archive import archive as audit_archive
from mnvault.audit.archive import pruning
from mnvault.audit.errors import AuditError, CheckpointRefused
from mnvault.audit.period import When
from mnvault.audit.questions import answers
from mnvault.audit.questions.queries import ActivityKind
from mnvault.audit.questions.tables import Format, Table, to_csv, to_text, to_xlsx
from mnvault.audit.reports import periodic
from mnvault.audit.reports import report as audit_report
from mnvault.audit.reports.periodic import DEFAULT_BULK_THRESHOLD, DEFAULT_DORMANT_DAYS, Parameters
from mnvault.audit.verification import verify as audit_verify
from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.config import Settings, load_settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.deployment.maintenance import maintenance_transaction
from mnvault.logging import configure_logging
from mnvault.vault.errors import VaultError

app = typer.Typer(
    help="監査記録 / audit trail",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

WitnessOpt = Annotated[
    Path | None,
    typer.Option(
        "--witness",
        help="証人ファイル / witness file (default: MNVAULT_AUDIT_WITNESS, else outside the "
        "data directory: ~/.local/state/mnvault/witness/…/audit-witness.jsonl)",
    ),
]
PublicKeyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--public-key",
        help="信頼する署名公開鍵（16進またはそのファイル）/ trusted signing public key "
        "(hex, or a file holding it); repeatable",
    ),
]
_SHOWN_FINDINGS = 20
T = TypeVar("T")


def _parse_key(value: str) -> bytes:
    path = Path(value)
    text = path.read_text("utf-8").strip() if path.is_file() else value.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        fail(f"公開鍵が16進ではありません / the public key is not hex: {path.name}")
    if len(key) != 32:
        fail("公開鍵は32バイトです / a public key is 32 bytes")
    return key


def _trusted_keys(settings: Settings, given: list[str] | None, *, keyring: bool) -> list[bytes]:
    """--public-key, else the pinned key, else (``keyring``) the keyring's own key."""
    keys = [_parse_key(value) for value in given or []]
    if keys:
        return keys
    try:
        pinned = pinned_key.read(settings.keyring_path)
    except AuditError as exc:
        fail(str(exc))
    if pinned is not None:
        return [pinned]
    if not keyring:
        fail("--trail には --public-key が必要です / --trail needs --public-key")
    typer.echo(
        "注意: 固定された公開鍵がないため鍵束の鍵を信頼します（`mnvault audit pin-key` で固定）"
        " / NOTE: no pinned key, trusting the keyring's own (pin it: `mnvault audit pin-key`)",
        err=True,
    )
    return [_keyring_public_key(settings)]


def _keyring_public_key(settings: Settings) -> bytes:
    try:
        passphrase = deployment.resolve_passphrase(settings) or None
        vault = deployment.open_vault(settings, passphrase, migrate=False)
    except KNOWN_ERRORS as exc:
        fail(
            f"検証に使う公開鍵がありません（--public-key を指定） / no key to verify "
            f"with (give --public-key): {exc}"
        )
    try:
        return vault.keyring.public_signing_key()
    finally:
        vault.close()


@app.command("verify")
def verify(
    data_dir: DataDir = None,
    witness: WitnessOpt = None,
    public_key: PublicKeyOpt = None,
    trail: Annotated[
        Path | None,
        typer.Option(
            "--trail",
            help="エクスポートした監査記録をオフラインで検証 / verify an exported trail offline",
        ),
    ] = None,
) -> None:
    """連鎖・署名・証人を検証（正常なら終了コード0） / verify chain, signatures, witness."""
    settings = load_settings(data_dir)
    configure_logging(settings.log_level)
    witness_path = witness or (None if trail else settings.audit_witness_path)
    keys = _trusted_keys(settings, public_key, keyring=trail is None)
    for key in keys:
        typer.echo(f"信頼する鍵 / trusted key: {pinned_key.fingerprint(key)}", err=True)
    try:
        if trail:
            cadence = audit_verify.cadence_of(settings)
            report = audit_verify.verify_export(trail, keys, witness_path, cadence=cadence)
        else:
            report = audit_verify.verify_deployment(settings, keys, witness_path)
    except AuditError as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(f"監査記録を読めません / cannot read the trail: {type(exc).__name__}")
    if report.ok:
        r = report
        pruned_ja = f"、{r.pruned_through}番まで保管・削除済み" if r.pruned_through else ""
        pruned_en = (
            f"; entries up to {r.pruned_through} archived and pruned" if r.pruned_through else ""
        )
        typer.echo(
            f"監査記録は改ざんされていません: {r.entries}件、チェックポイント {r.checkpoints}件"
            f"（証人 {r.witnessed}件）、署名済み {r.signed_through}件まで{pruned_ja}"
            f" / the audit trail is intact: {r.entries} entries, {r.checkpoints} checkpoints"
            f" ({r.witnessed} witnessed), signed through entry {r.signed_through}{pruned_en}"
        )
        return
    first = report.first
    typer.echo(f"改ざんを検出 / tampering detected: {first}", err=True)
    for finding in report.findings[:_SHOWN_FINDINGS]:
        if finding is not first:
            typer.echo(f"  - {finding}", err=True)
    raise typer.Exit(1)


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="出力ファイル / output file (JSON lines)")],
    data_dir: DataDir = None,
) -> None:
    """監査記録をオフライン検証用に書き出す / export the trail for offline verification."""
    settings = load_settings(data_dir)
    try:
        count = audit_verify.export_deployment(settings, out)
    except AuditError as exc:
        fail(str(exc))
    typer.echo(f"{count}件を書き出しました / exported {count} entries to {out}")


@app.command("checkpoint")
def checkpoint(data_dir: DataDir = None) -> None:
    """未署名の記録に今すぐチェックポイントを付ける / sign the unsigned tail now."""
    refused: CheckpointRefused | None = None
    with opened_vault(data_dir) as vault, vault.transaction() as session:
        try:
            signed = audit_checkpoints.checkpoint_now(session)
        except CheckpointRefused as exc:  # recorded in the trail: commit that record
            signed, refused = None, exc
    if refused is not None:
        fail(str(refused))
    if signed is None:
        typer.echo("署名待ちの記録はありません / nothing to sign")
    else:
        typer.echo(
            f"チェックポイント {signed.id}（{signed.tree_size}件まで）を作成しました"
            f" / checkpoint {signed.id} signs entries up to {signed.tree_size}"
        )


# -- retention: archive a signed segment, verify it offline, prune it -----------------------

BeforeOpt = Annotated[
    str | None,
    typer.Option(
        "--before",
        help="この日（日本時間の0時）より前の記録 / entries before this date (midnight, "
        "Asia/Tokyo) or ISO time; default: now minus the retention period",
    ),
]


_RETENTION_ERRORS: tuple[type[Exception], ...] = (*KNOWN_ERRORS, AuditError)


def _before(value: str | None, retention_days: int) -> datetime:
    if value is None:
        return datetime.now(UTC) - timedelta(days=retention_days)
    when = _when(value, "--before")
    zone = ZoneInfo(DEFAULT_TIME_ZONE)
    if isinstance(when, datetime):
        return (when if when.tzinfo else when.replace(tzinfo=zone)).astimezone(UTC)
    assert when is not None  # noqa: S101 - _when returns None only for None
    return datetime.combine(when, time(), tzinfo=zone).astimezone(UTC)


@app.command("archive")
def archive(
    out: Annotated[Path, typer.Option("--out", help="保管ファイル / archive file (JSON lines)")],
    before: BeforeOpt = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """署名付きの検証可能な区間を保管ファイルに書き出す（監査責任者） / archive a signed,
    verifiable segment (an auditor)."""
    with opened_vault(data_dir) as vault:
        cutoff = _before(before, vault.settings.audit_retention_days)
        context = sign_in(vault, user)
        try:
            segment = pruning.archive_as(
                vault.engine, vault.sessions, context, out=out, before=cutoff,
                key=vault.keyring.public_signing_key(),
            )  # fmt: skip
        except _RETENTION_ERRORS as exc:
            fail(str(exc))
    typer.echo(
        f"監査記録 {segment.first_seq}〜{segment.last_seq} 番（{segment.entries}件）を保管しました"
        f" / archived entries {segment.first_seq} to {segment.last_seq} ({segment.entries})"
        f": {out} sha256={segment.sha256}"
    )


@app.command("verify-archive")
def verify_archive(
    path: Annotated[Path, typer.Argument(help="保管ファイル / archive file")],
    public_key: PublicKeyOpt = None,
    data_dir: DataDir = None,
) -> None:
    """保管ファイルを公開鍵だけで検証 / verify an archive offline with the public key."""
    keys = _trusted_keys(load_settings(data_dir), public_key, keyring=True)
    try:
        checked = audit_archive.check(path, keys)
    except AuditError as exc:
        fail(str(exc))
    segment = checked.segment
    if segment is None:
        typer.echo(
            f"保管ファイルを検証できません / the archive does not verify: {checked.report.first}",
            err=True,
        )
        for finding in checked.report.findings[1:_SHOWN_FINDINGS]:
            typer.echo(f"  - {finding}", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"保管ファイルは正しく署名されています: 監査記録 {segment.first_seq}〜{segment.last_seq} 番"
        f" / the archive verifies: entries {segment.first_seq} to {segment.last_seq}"
        f" ({segment.entries}), sha256={segment.sha256}"
    )


@app.command("prune")
def prune(
    archive_path: Annotated[
        Path, typer.Option("--archive", help="検証済みの保管ファイル / the archive of the segment")
    ],
    before: BeforeOpt = None,
    retention_days: Annotated[
        int | None,
        typer.Option(
            "--retention-days",
            help="この実行だけの保存日数 / retention period for this run (default: "
            "MNVAULT_AUDIT_RETENTION_DAYS); recorded in the prune entry",
        ),
    ] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """保管済みで保存期間を過ぎた記録を削除（監査責任者；記録・署名される）/ prune an
    archived segment (an auditor; recorded and signed)."""
    with opened_vault(data_dir) as vault:
        days = vault.settings.audit_retention_days if retention_days is None else retention_days
        cutoff = _before(before, days)
        context = sign_in(vault, user)
        try:
            # As the maintenance role where there is one (PostgreSQL, migration 0011).
            with maintenance_transaction(vault) as session:
                done = pruning.prune_as(
                    session, context, archive_path, before=cutoff, retention_days=days
                )
        except _RETENTION_ERRORS as exc:
            fail(str(exc))
    typer.echo(
        f"監査記録 {done.first_seq}〜{done.last_seq} 番（{done.deleted}件）を削除しました"
        f"（記録 #{done.record_seq}、チェックポイント {done.checkpoint_id}）"
        f" / pruned entries {done.first_seq} to {done.last_seq} ({done.deleted}); "
        f"recorded as entry #{done.record_seq}, signed by checkpoint {done.checkpoint_id}"
    )


@app.command("public-key")
def public_key(data_dir: DataDir = None) -> None:
    """署名公開鍵（16進）を表示 / print the checkpoint signing public key (hex)."""
    key = _keyring_public_key(load_settings(data_dir))
    typer.echo(key.hex())
    typer.echo(f"fingerprint: {pinned_key.fingerprint(key)}", err=True)


@app.command("pin-key")
def pin_key(data_dir: DataDir = None) -> None:
    """鍵束の署名公開鍵を固定（init 前からの配備向け）/ pin the keyring's signing key."""
    settings = load_settings(data_dir)
    key = _keyring_public_key(settings)
    try:
        path = pinned_key.pin(settings.keyring_path, key)
    except AuditError as exc:
        fail(str(exc))
    typer.echo(
        f"監査署名公開鍵を固定しました（指紋を別の場所に控えてください）/ pinned the audit "
        f"signing key (record its fingerprint elsewhere): {pinned_key.fingerprint(key)} {path}"
    )


# -- the questions the trail answers, and the periodic report (auditors) -------------------

FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="開始（YYYY-MM-DD、または時刻付き）/ start (a date, or an ISO time; local time "
        "unless it has an offset)",
    ),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", help="終了（日付ならその日を含む）/ end (a date includes that whole day)"),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", help="出力形式 / output: table, csv or xlsx")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="出力ファイル / output file (required for xlsx)")
]


def _when(value: str | None, option: str) -> When | None:
    """A date, or a time; the services decide what they mean (mnvault.audit.period)."""
    if value is None:
        return None
    try:
        if len(value) == len("YYYY-MM-DD"):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} は YYYY-MM-DD か ISO 8601 の日時です / {option}: a date or an ISO time")


def _emit(tables: list[Table], zone: ZoneInfo, fmt: Format, out: Path | None) -> None:
    if fmt is Format.XLSX:
        if out is None:
            fail("xlsx には --out が必要です / xlsx needs --out")
        out.write_bytes(to_xlsx(tables, zone))
    elif fmt is Format.CSV:
        content = to_csv(tables[0], zone)
        if out is None:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
            return
        out.write_bytes(content)
    else:
        text = "\n".join(to_text(table, zone) for table in tables)
        if out is None:
            typer.echo(text, nl=False)
            return
        out.write_text(text, "utf-8")
    typer.echo(f"書き出しました / written: {out}", err=True)


def _ask(data_dir: Path | None, user: str | None, question: Callable[[Session, Context], T]) -> T:
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                return question(session, context)
        except (AccessError, VaultError) as exc:
            fail(str(exc))


def _person_id_or_reference(text: str) -> uuid.UUID | str:
    """An id when it reads as one; anything else is the person's external id."""
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return text.strip()


@app.command("person-usage")
def person_usage(
    person: Annotated[
        str,
        typer.Argument(help="本人IDまたは社員番号等 / person id or external id"),
    ],
    since: FromOpt = None,
    until: ToOpt = None,
    fmt: FormatOpt = Format.TABLE,
    out: OutOpt = None,
    user: UserOpt = None,
    data_dir: DataDir = None,
) -> None:
    """この本人の番号を誰がいつ何のために利用したか / who used this person's number."""
    start, stop = _when(since, "--from"), _when(until, "--to")
    named = _person_id_or_reference(person)
    found = _ask(
        data_dir,
        user,
        lambda session, context: answers.person_usage(
            session, context, named, since=start, until=stop
        ),
    )
    _emit(found.tables(), found.zone, fmt, out)


@app.command("impact-scope")
def impact_scope(
    since: FromOpt = None,
    until: ToOpt = None,
    actor: Annotated[
        uuid.UUID | None, typer.Option("--actor", help="操作者ID / account id")
    ] = None,
    token: Annotated[
        uuid.UUID | None, typer.Option("--token", help="APIトークンID / API token id")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="接続元アドレス / client address")
    ] = None,
    fmt: FormatOpt = Format.TABLE,
    out: OutOpt = None,
    user: UserOpt = None,
    data_dir: DataDir = None,
) -> None:
    """影響範囲：アカウント・トークン・接続元が扱った本人と事務 / impact scope."""
    start, stop = _when(since, "--from"), _when(until, "--to")
    if start is None or stop is None:
        fail("--from と --to が必要です / give --from and --to")
    found = _ask(
        data_dir,
        user,
        lambda session, context: answers.impact(
            session,
            context,
            since=start,
            until=stop,
            actor_id=actor,
            token_id=token,
            client_address=address,
        ),
    )
    _emit(found.tables(), found.zone, fmt, out)


@app.command("activity")
def activity(
    kinds: Annotated[
        list[ActivityKind] | None,
        typer.Option(
            "--kind", help="種別（繰り返し可、既定は全て）/ kind, repeatable (default: all)"
        ),
    ] = None,
    since: FromOpt = None,
    until: ToOpt = None,
    fmt: FormatOpt = Format.TABLE,
    out: OutOpt = None,
    user: UserOpt = None,
    data_dir: DataDir = None,
) -> None:
    """持出し・提供・廃棄等の記録 / exports, take-outs, provisions, disposals in a period."""
    start, stop = _when(since, "--from"), _when(until, "--to")
    found = _ask(
        data_dir,
        user,
        lambda session, context: answers.activity(
            session, context, kinds or [], since=start, until=stop
        ),
    )
    _emit(found.tables(), found.zone, fmt, out)


@app.command("report")
def report(
    since: Annotated[str, typer.Option("--from", help="開始日 / first day (YYYY-MM-DD)")],
    until: Annotated[str, typer.Option("--to", help="終了日（含む）/ last day, included")],
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="report.html と report.pdf の出力先 / output folder")
    ],
    dormant_days: Annotated[
        int, typer.Option("--dormant-days", min=1, help="休眠とみなす日数 / idle days = dormant")
    ] = DEFAULT_DORMANT_DAYS,
    bulk_threshold: Annotated[
        int, typer.Option("--bulk-threshold", min=1, help="大量とみなす本人数 / bulk = persons")
    ] = DEFAULT_BULK_THRESHOLD,
    user: UserOpt = None,
    data_dir: DataDir = None,
) -> None:
    """定期分析の報告書（HTML・PDF）を作成 / write the periodic analysis (HTML and PDF)."""
    start, stop = _when(since, "--from"), _when(until, "--to")
    if start is None or stop is None:  # both options are required; this tells mypy
        fail("--from と --to が必要です / give --from and --to")
    parameters = Parameters(dormant_days=dormant_days, bulk_threshold=bulk_threshold)
    found = _ask(
        data_dir,
        user,
        lambda session, context: periodic.gather(
            session, context, since=start, until=stop, parameters=parameters
        ),
    )
    written = audit_report.write(found, out_dir)
    typer.echo(
        f"報告書を作成しました（監査記録 #{found.entry_seq}）/ report written "
        f"(audit entry #{found.entry_seq}): {written.html}, {written.pdf}"
    )
