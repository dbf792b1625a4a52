"""One typed settings object, read from MNVAULT_* environment variables.

``Environment`` owns every MNVAULT_* variable (the server's, the audit trail's, the
migrations' and the command line's) and validates it; ``load_settings`` resolves it into
``Settings``, the paths and values the vault runs with. A bad value stops start-up with a
``SettingsError`` naming the variable in Japanese and English. To add a setting: a field
on ``Environment`` (its description says what is expected, ja / en), and, if the vault
needs it, a field on ``Settings`` set in ``load_settings``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from mnvault.errors import MnvaultError
from mnvault.numbers import redact

DEFAULT_DATA_DIR = Path("mnvault-data")
WITNESS_FILE = "audit-witness.jsonl"
PREFIX = "MNVAULT_"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class SettingsError(MnvaultError):
    """One or more MNVAULT_* variables hold a value that cannot be used (ja / en); the
    process stops before it starts, so the status only matters to a test client."""

    message_ja = "設定が不正です"
    message_en = "invalid setting"
    status = 500
    kind = "settings"

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        #: (variable, Japanese, English) for each bad variable
        self.problems = problems
        self.variables = tuple(variable for variable, _, _ in problems)
        super().__init__(
            "、".join(f"{v}: {ja}" for v, ja, _ in problems),
            "; ".join(f"{v}: {en}" for v, _, en in problems),
        )

    def __str__(self) -> str:
        # One line per variable: whoever reads it fixes them one by one.
        return "\n".join(
            f"設定 {variable} が不正です（{ja}） / setting {variable} is invalid ({en})"
            for variable, ja, en in self.problems
        )


def _expect(ja: str, en: str) -> str:
    return f"{ja} / {en}"


_PATH = _expect("パス", "a path")
_ROLE = _expect(
    "PostgreSQL のロール名（63文字まで）", "a PostgreSQL role name (63 characters at most)"
)


class Environment(BaseSettings):
    """Every MNVAULT_* variable, typed. Read through ``read_environment`` only."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, case_sensitive=False, env_ignore_empty=True, frozen=True
    )

    # The deployment: where its parts live.
    data_dir: Path | None = Field(None, description=_PATH)
    database_url: str | None = Field(
        None,
        description=_expect(
            "sqlite:// か postgresql:// の URL", "a sqlite:// or postgresql:// URL"
        ),
    )
    keyring_path: Path | None = Field(None, description=_PATH)
    passphrase: SecretStr | None = Field(None, description=_expect("文字列", "text"))
    passphrase_file: Path | None = Field(None, description=_PATH)
    log_level: LogLevel = Field(
        "INFO",
        description=_expect(
            "DEBUG, INFO, WARNING, ERROR, CRITICAL のいずれか",
            "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
        ),
    )
    # The audit trail (see Settings for what each means).
    audit_witness: Path | None = Field(None, description=_PATH)
    audit_checkpoint_entries: int = Field(
        1000, ge=1, description=_expect("1以上の整数", "a whole number, 1 or more")
    )
    audit_checkpoint_seconds: float = Field(
        60.0,
        gt=0,
        allow_inf_nan=False,
        description=_expect("正の秒数", "a positive number of seconds"),
    )
    audit_checkpoint_grace_entries: int = Field(
        20_000, ge=0, description=_expect("0以上の整数", "a whole number, 0 or more")
    )
    audit_checkpoint_grace_seconds: float = Field(
        60.0, ge=0, allow_inf_nan=False, description=_expect("0以上の秒数", "seconds, 0 or more")
    )
    audit_retention_days: int = Field(
        2557, ge=1, description=_expect("1以上の日数", "a whole number of days, 1 or more")
    )
    audit_syslog: str | None = Field(
        None,
        description=_expect(
            "udp://ホスト:ポート、tcp://ホスト:ポート、またはunixソケットの絶対パス",
            "udp://host:port, tcp://host:port or the absolute path of a unix socket",
        ),
    )
    maintenance_database_url: str | None = Field(
        None, description=_expect("postgresql:// の URL", "a postgresql:// URL")
    )
    # Reverse proxies whose X-Forwarded-For is believed (mnvault.web.proxies): IP
    # addresses or CIDR ranges, separated by spaces or commas; none by default.
    trusted_proxies: str | None = Field(
        None,
        description=_expect(
            "IPアドレスかCIDR（空白またはカンマ区切り）", "IP addresses or CIDR ranges"
        ),
    )
    # The migrations (PostgreSQL roles granted or refused rights; db/migrations/versions).
    database_app_role: str | None = Field(None, max_length=63, description=_ROLE)
    database_maintenance_role: str | None = Field(None, max_length=63, description=_ROLE)
    # The command line (cli/): who acts, and their secrets (never kept in Settings).
    user: str | None = Field(None, description=_expect("ログイン名", "a login"))
    organisation: str | None = Field(
        None, description=_expect("組織コード", "an organisation code")
    )
    org: str | None = Field(
        None, description=_expect("組織IDか組織コード", "an organisation id or code")
    )
    user_password: SecretStr | None = Field(None, description=_expect("文字列", "text"))
    new_password: SecretStr | None = Field(None, description=_expect("文字列", "text"))
    totp: SecretStr | None = Field(None, description=_expect("確認コード", "an authenticator code"))
    server: str | None = Field(
        None, description=_expect("http:// か https:// の URL", "an http:// or https:// URL")
    )
    token: SecretStr | None = Field(None, description=_expect("文字列", "text"))

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("database_url", "maintenance_database_url")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        if value is not None and value.split(":", 1)[0].split("+")[0] not in (
            "sqlite",
            "postgresql",
        ):
            raise ValueError("not a database URL")
        return value

    @field_validator("server")
    @classmethod
    def _server(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not a server URL")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str | None) -> str | None:
        for item in (value or "").replace(",", " ").split():
            ipaddress.ip_network(item, strict=False)  # ValueError names no secret
        return value

    @field_validator("audit_syslog")
    @classmethod
    def _syslog(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith(("udp://", "tcp://")):
            parts = urlsplit(value)
            _ = parts.port  # raises ValueError when out of range or not a number
            if not parts.hostname:
                raise ValueError("no host")
        elif not value.removeprefix("unix://").startswith("/"):
            raise ValueError("not a syslog target")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # read_environment hands over the variables it read (the process's or a test's):
        # nothing is read behind its back.
        return (init_settings,)


class _GivenVariables(EnvSettingsSource):
    """The environment source of pydantic-settings over a given mapping."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self._variables = variables
        super().__init__(Environment)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._variables, False, True, None)


def read_environment(env: Mapping[str, str] | None = None) -> Environment:
    """Validate every MNVAULT_* variable of ``env`` (default: the process's)."""
    values: dict[str, Any] = _GivenVariables(os.environ if env is None else env)()
    try:
        return Environment(**values)
    except ValidationError as exc:
        raise SettingsError(_problems(exc)) from None


def _problems(exc: ValidationError) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        field: FieldInfo | None = Environment.model_fields.get(name)
        ja, _, en = (field.description if field and field.description else " / ").partition(" / ")
        variable = PREFIX + name.upper()
        if variable in (p[0] for p in problems):
            continue
        if field is not None and field.annotation is not SecretStr | None:
            # The value helps whoever typed it; it never carries a number or a secret.
            shown = redact(str(error.get("input", "")))[:40]
            ja, en = f"{ja}、値: {shown!r}", f"{en}; got {shown!r}"
        problems.append((variable, ja.strip(), en.strip()))
    return problems


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    keyring_path: Path
    passphrase: str | None
    passphrase_file: Path | None
    log_level: str = "INFO"
    # The audit trail's witness file (mnvault.audit.witness): keep it apart from the
    # database and its backups, or a restored database restores its witness too.
    audit_witness: Path | None = None
    audit_checkpoint_entries: int = 1000
    audit_checkpoint_seconds: float = 60.0
    # How far past that cadence `audit verify` lets a stretch go unsigned before it says
    # checkpoints are missing (mnvault.audit.verification.cadence): a bulk append signs at its chunk
    # ends (20,000 entries), and clocks and batches take some seconds.
    audit_checkpoint_grace_entries: int = 20_000
    audit_checkpoint_grace_seconds: float = 60.0
    # Audit entries younger than this are never pruned (mnvault.audit.archive.pruning). The
    # guidelines name no period for logs; seven years matches what 番号法第23条 and its
    # cabinet order ask of 情報提供等の記録, the closest statutory retention of such records.
    audit_retention_days: int = 2557
    # Also send each checkpoint to syslog: "udp://host:port" or a unix socket path.
    audit_syslog: str | None = None
    # PostgreSQL: the connection of the maintenance role, the only one that may run
    # mnvault_audit_prune(); used by `mnvault audit prune` alone (migration 0011).
    maintenance_database_url: str | None = None
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by
    # default, so no one chooses the address the handling area checks (web/proxies.py).
    trusted_proxies: tuple[str, ...] = ()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def audit_witness_path(self) -> Path:
        return self.audit_witness or default_witness(self.data_dir, dict(os.environ))


def default_witness(data_dir: Path, env: Mapping[str, str]) -> Path:
    """The witness file when MNVAULT_AUDIT_WITNESS names none: outside the data directory.

    Whoever copies, restores or rewrites the data directory (the SQLite database, a
    backup) must not carry the witness along, or a restored database restores its
    witness too; the user's state directory (XDG_STATE_HOME, ~/.local/state) is apart
    from it, one file per data directory. Better still: another host (syslog), or a
    path the database's administrators cannot write (README "Audit trail").
    """
    try:
        # The process's own XDG_STATE_HOME when ``env`` (a test's, a caller's) has none.
        state_home = env.get("XDG_STATE_HOME") or os.environ.get("XDG_STATE_HOME")
        state = Path(state_home) if state_home else Path.home() / ".local" / "state"
    except RuntimeError:  # no home directory: beside the data directory, not inside it
        return data_dir.parent / f"{data_dir.name}-witness" / WITNESS_FILE
    tag = hashlib.sha256(str(data_dir).encode("utf-8")).hexdigest()[:16]
    return state.resolve() / "mnvault" / "witness" / tag / WITNESS_FILE


def load_settings(data_dir: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build settings; an explicit ``data_dir`` (the --data-dir option) beats the environment.

    Raises SettingsError (ja / en, naming the variable) when a variable is bad."""
    env = dict(os.environ) if env is None else env
    given = read_environment(env)
    root = (data_dir or given.data_dir or DEFAULT_DATA_DIR).resolve()
    # The keyring lives in its own directory so it can be kept out of database backups
    # (a destroyed KEK version must survive nowhere; see README "Backups").
    keyring_path = given.keyring_path or root / "keyring" / "keyring.json"
    passphrase = given.passphrase.get_secret_value() if given.passphrase else None
    return Settings(
        data_dir=root,
        database_url=given.database_url or f"sqlite:///{root / 'db' / 'mnvault.sqlite3'}",
        keyring_path=keyring_path.resolve(),
        passphrase=passphrase or None,
        passphrase_file=given.passphrase_file,
        log_level=given.log_level,
        audit_witness=(
            given.audit_witness.resolve() if given.audit_witness else default_witness(root, env)
        ),
        audit_checkpoint_entries=given.audit_checkpoint_entries,
        audit_checkpoint_seconds=given.audit_checkpoint_seconds,
        audit_checkpoint_grace_entries=given.audit_checkpoint_grace_entries,
        audit_checkpoint_grace_seconds=given.audit_checkpoint_grace_seconds,
        audit_retention_days=given.audit_retention_days,
        audit_syslog=given.audit_syslog,
        maintenance_database_url=given.maintenance_database_url,
        trusted_proxies=tuple((given.trusted_proxies or "").replace(",", " ").split()),
    )


def secret(value: SecretStr | None) -> str | None:
    """The text of a secret variable, or None when unset."""
    return value.get_secret_value() if value is not None else None
