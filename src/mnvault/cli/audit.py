"""`mnvault audit`: verify the tamper-evident trail, export it, show the signing key.

Thin: the rules live in mnvault.audit.verify. Verification only reads; it needs the
keyring passphrase only when neither --public-key nor a witness file names the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnvault.audit import checkpoints as audit_checkpoints
from mnvault.audit import verify as audit_verify
from mnvault.audit.errors import AuditError
from mnvault.cli.common import DataDir, fail, opened_vault
from mnvault.config import Settings, load_settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.logging import configure_logging

app = typer.Typer(
    help="監査記録 / audit trail",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

WitnessOpt = Annotated[
    Path | None,
    typer.Option(
        "--witness",
        help="証人ファイル / witness file (default: MNVAULT_AUDIT_WITNESS or "
        "DATA/witness/audit-witness.jsonl)",
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


def _keyring_public_key(settings: Settings) -> bytes:
    try:
        passphrase = deployment.resolve_passphrase(settings) or None
        vault = deployment.open_vault(settings, passphrase, migrate=False)
    except KNOWN_ERRORS as exc:
        fail(
            f"検証に使う公開鍵がありません（--public-key か証人ファイルを指定） / no key to verify "
            f"with (give --public-key or a witness file): {exc}"
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
    keys = [_parse_key(value) for value in public_key or []]
    if not keys:
        keys = audit_verify.witness_keys(witness_path)
    if not keys and trail:
        fail("--trail には --public-key が必要です / --trail needs --public-key")
    if not keys:
        keys = [_keyring_public_key(settings)]
    try:
        if trail:
            report = audit_verify.verify_export(trail, keys, witness_path)
        else:
            report = audit_verify.verify_deployment(settings, keys, witness_path)
    except AuditError as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(f"監査記録を読めません / cannot read the trail: {type(exc).__name__}")
    if report.ok:
        r = report
        typer.echo(
            f"監査記録は改ざんされていません: {r.entries}件、チェックポイント {r.checkpoints}件"
            f"（証人 {r.witnessed}件）、署名済み {r.signed_through}件まで"
            f" / the audit trail is intact: {r.entries} entries, {r.checkpoints} checkpoints"
            f" ({r.witnessed} witnessed), signed through entry {r.signed_through}"
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
    with opened_vault(data_dir) as vault, vault.transaction() as session:
        signed = audit_checkpoints.checkpoint_now(session)
    if signed is None:
        typer.echo("署名待ちの記録はありません / nothing to sign")
    else:
        typer.echo(
            f"チェックポイント {signed.id}（{signed.tree_size}件まで）を作成しました"
            f" / checkpoint {signed.id} signs entries up to {signed.tree_size}"
        )


@app.command("public-key")
def public_key(data_dir: DataDir = None) -> None:
    """署名公開鍵（16進）を表示 / print the checkpoint signing public key (hex)."""
    typer.echo(_keyring_public_key(load_settings(data_dir)).hex())
