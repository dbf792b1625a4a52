"""Creating and opening a deployment (data directory, database, keyring)."""

from __future__ import annotations

import logging
import os
import stat
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access import services as access
from mnvault.access.models import Role, User
from mnvault.affairs.services import sync_catalogue
from mnvault.audit import checkpoints as audit_checkpoints
from mnvault.audit import pinned_key, signed_head
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.group import GroupCommit
from mnvault.config import Settings
from mnvault.context import unit_of_work
from mnvault.crypto import Envelope, KeyringError, LocalKeyring, ScryptParams, key_check_value
from mnvault.db.engine import (
    ThreadReaders,
    make_engine,
    make_reader_factory,
    make_session_factory,
    read_only,
)
from mnvault.db.migrate import upgrade
from mnvault.deployment import binding
from mnvault.deployment.errors import (
    DeploymentError,
    ForeignKeyring,
    LiveDatabase,
    NoPassphrase,
    NotInitialised,
    WrongPassphrase,
)
from mnvault.orgs import services as orgs
from mnvault.orgs import standing
from mnvault.orgs.codes import require_code
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.orgs.small_business import Declaration
from mnvault.partners import places

log = logging.getLogger(__name__)

DEV_PASSPHRASE_FILE = "dev-passphrase"  # noqa: S105 - a file name, not a secret
CREDENTIALS_FILE = "initial-credentials.txt"


@dataclass
class Vault:
    """An opened deployment: what services need to run."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: LocalKeyring
    envelope: Envelope = field(init=False)
    readers: sessionmaker[Session] = field(init=False)
    audit_writer: GroupCommit = field(init=False)
    thread_readers: ThreadReaders = field(init=False)
    # The key check value of the keyring as last unsealed (None while sealed).
    check_value: bytes | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.envelope = Envelope(self.keyring)
        self.readers = make_reader_factory(self.engine)
        self.audit_writer = GroupCommit(self.sessions)
        self.thread_readers = ThreadReaders(self.engine, self.readers)

    def transaction(self) -> AbstractContextManager[Session]:
        """One unit of work (commit on success, roll back and audit a denial on failure)."""
        return unit_of_work(self.sessions)

    def reading(self) -> AbstractContextManager[Session]:
        """A transaction that only reads; its audit entries go to ``audit_writer``."""
        return read_only(self.readers)

    def reading_here(self) -> AbstractContextManager[Session]:
        """:meth:`reading` on this thread's own connection (an event loop's)."""
        return self.thread_readers.session()

    def close(self) -> None:
        self.audit_writer.close()
        self.thread_readers.close()
        self.keyring.seal()
        self.engine.dispose()


@dataclass(frozen=True)
class InitResult:
    organisation_id: uuid.UUID
    organisation_code: str
    admin_login: str
    credentials_file: Path
    dev_passphrase_file: Path | None
    # The audit checkpoint key pinned next to the keyring (mnvault.audit.pinned_key).
    signing_key_fingerprint: str = ""
    pinned_key_file: Path | None = None


def _write_secret(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def resolve_passphrase(settings: Settings, prompt: Callable[[], str] | None = None) -> str | None:
    """Environment, then a file, then the development file, then a prompt."""
    if settings.passphrase:
        return settings.passphrase
    if settings.passphrase_file:
        return settings.passphrase_file.read_text("utf-8").strip()
    dev_file = settings.data_dir / DEV_PASSPHRASE_FILE
    if dev_file.exists():
        log.warning(
            "開発モード: 鍵束のパスフレーズをデータディレクトリ内 %s から読み込みました / "
            "DEVELOPMENT MODE: the keyring passphrase is read from %s inside the data "
            "directory; anyone who copies the directory can decrypt it",
            dev_file,
            dev_file,
        )
        return dev_file.read_text("utf-8").strip()
    return prompt() if prompt else None


def is_initialised(settings: Settings) -> bool:
    return settings.keyring_path.exists()


def initialise(
    settings: Settings,
    *,
    organisation_name: str,
    organisation_kind: OrganisationKind,
    admin_login: str = "admin",
    organisation_code: str | None = None,
    passphrase: str | None = None,
    scrypt: ScryptParams | None = None,
    declaration: Declaration | None = None,
    storage_country: str = places.HOME,
    storage_place: str = places.DEFAULT_PLACE,
) -> InitResult:
    """Create the data directory, keyring, schema, first organisation and administrator.

    Without a passphrase a random one is generated and kept in the data directory
    (development mode, announced loudly by every later start).
    """
    if organisation_code is not None:
        organisation_code = require_code(organisation_code)  # before anything is created
    storage_country = places.country_code(storage_country)
    if is_initialised(settings):
        # The usual way here: `serve` already made the organisation (README "A first
        # session"); say where its sign-in code is rather than only what exists.
        raise DeploymentError(
            f"{settings.keyring_path} は既に存在します（初期化済み。組織コードは "
            f"{settings.data_dir / CREDENTIALS_FILE} か最初の serve の表示を参照）",
            f"{settings.keyring_path} already exists (already initialised; the organisation "
            f"code is in {settings.data_dir / CREDENTIALS_FILE} or the first serve's output)",
        )
    # Before anything is written: a live database with its keyring mislaid is a restore
    # to make, never a fresh start (issue #11).
    if binding.database_in_use(settings.database_url):
        raise LiveDatabase()
    for kept in (
        pinned_key.path_of(settings.keyring_path),
        signed_head.path_of(settings.keyring_path),
    ):
        if kept.exists():  # a deployment's audit anchors: never overwritten by a new one
            raise DeploymentError(f"{kept} は既に存在します", f"{kept} already exists")
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    dev_file: Path | None = None
    if passphrase is None:
        passphrase = access.generate_password() + access.generate_password()
        dev_file = settings.data_dir / DEV_PASSPHRASE_FILE
        _write_secret(dev_file, passphrase + "\n")
    keyring = LocalKeyring.create(settings.keyring_path, passphrase, scrypt)
    signing_key = keyring.public_signing_key()
    pinned = pinned_key.pin(settings.keyring_path, signing_key)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        admin_password = access.generate_password()
        sessions = make_session_factory(engine)
        checkpointer = audit_checkpoints.from_settings(settings, keyring)
        audit_checkpoints.attach(sessions, checkpointer)
        with unit_of_work(sessions) as session:
            sync_catalogue(session)
            org = orgs.create_organisation(
                session, name=organisation_name, kind=organisation_kind,
                code=organisation_code, operator=True,
            )  # fmt: skip
            if declaration is not None:  # 中小規模事業者の回答 (orgs/standing.py)
                standing.store(session, org.id, declaration, None)
            audit.record(
                session,
                None,
                AuditAction.KEYRING_CREATE,
                details={"kek_version": keyring.current_kek_version},
            )
            binding.record_check(session, keyring)
            # Where this deployment keeps the SPI (別添1 2G 外的環境の把握), settable later.
            places.record_location(session, org.id, country=storage_country, place=storage_place)
            admin = access.create_user(
                session,
                None,
                home_organisation_id=org.id,
                login=admin_login,
                display_name="管理者 / Administrator",
                password=admin_password,
            )
            admin.must_change_password = True
            access.grant_role(session, None, user=admin, organisation_id=org.id, role=Role.ADMIN)
            org_id, org_code = org.id, org.code
        with unit_of_work(sessions) as session:
            # The first signed head: from here on the vault signs only what extends it.
            audit_checkpoints.checkpoint_now(session, checkpointer)
    finally:
        engine.dispose()
        keyring.seal()
    credentials = settings.data_dir / CREDENTIALS_FILE
    lines = [
        "# mnvault initial credentials / 初期認証情報",
        "# Read, store safely, then delete this file.",
        "# 読んだら安全に保管し、このファイルを削除してください。",
        f"organisation_id = {org_id}",
        f"organisation_code = {org_code}  # typed at sign-in / サインイン時に入力",
        f"admin_login = {admin_login}",
        f"admin_password = {admin_password}",
    ]
    if dev_file:
        lines.append(
            f"keyring_passphrase_file = {dev_file}  "
            "# DEVELOPMENT MODE: move it out of the data directory for production"
        )
    _write_secret(credentials, "\n".join(lines) + "\n")
    return InitResult(
        org_id, org_code, admin_login, credentials, dev_file,
        pinned_key.fingerprint(signing_key), pinned,
    )  # fmt: skip


def open_vault(settings: Settings, passphrase: str | None, *, migrate: bool = True) -> Vault:
    """Open the database and unseal the keyring (a sealed vault refuses number work)."""
    if not is_initialised(settings):
        raise NotInitialised()
    if passphrase is None:
        raise NoPassphrase()
    vault = open_sealed(settings, migrate=migrate)
    try:
        unseal(vault, passphrase)
    except BaseException:
        vault.close()
        raise
    return vault


def open_sealed(settings: Settings, *, migrate: bool = True) -> Vault:
    """Open the database with the keyring still sealed: a server started without its
    passphrase, to be unsealed at run time (`mnvault unseal`; DESIGN.md §4)."""
    if not is_initialised(settings):
        raise NotInitialised()
    keyring = LocalKeyring.load(settings.keyring_path)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    sessions = make_session_factory(engine)
    audit_checkpoints.attach(sessions, audit_checkpoints.from_settings(settings, keyring))
    return Vault(settings, engine, sessions, keyring)


def unseal(vault: Vault, passphrase: str) -> None:
    """Unseal the keyring, and only keep it unsealed if it is this database's own."""
    try:
        vault.keyring.unseal(passphrase)
    except KeyringError as exc:
        raise WrongPassphrase() from exc
    check = key_check_value(vault.keyring)
    try:
        with unit_of_work(vault.sessions) as session:
            stored = binding.stored_check(session)
            if stored is None:
                # A deployment made before the check existed: its keyring is the one
                # that unseals today (recorded once, then held to).
                binding.record_check(session, vault.keyring)
            elif stored != check:
                raise ForeignKeyring()
    except BaseException:
        vault.keyring.seal()
        vault.check_value = None
        raise
    vault.check_value = check


def seal(vault: Vault) -> None:
    """Drop the keys from memory; number work is refused until the next unseal."""
    vault.keyring.seal()
    vault.check_value = None


def keyring_ok(vault: Vault) -> bool:
    """Unsealed, and the keyring is the one the database names as its own."""
    check = vault.check_value
    if vault.keyring.sealed or check is None:
        return False
    try:
        return binding.belongs(vault.engine, check)
    except Exception:  # a health check reports any failure as "not ok"
        return False


def database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # a health check reports any failure as "down"
        return False


def only_organisation_of(session: Session, user: User) -> uuid.UUID | None:
    orgs = access.organisations_of(session, user.id)
    return orgs[0] if len(orgs) == 1 else None


def organisation_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Organisation.id)))
