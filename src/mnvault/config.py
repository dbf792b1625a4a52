"""One typed settings object, read from MNVAULT_* environment variables."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("mnvault-data")
WITNESS_FILE = "audit-witness.jsonl"


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
    # checkpoints are missing (mnvault.audit.cadence): a bulk append signs at its chunk
    # ends (20,000 entries), and clocks and batches take some seconds.
    audit_checkpoint_grace_entries: int = 20_000
    audit_checkpoint_grace_seconds: float = 60.0
    # Audit entries younger than this are never pruned (mnvault.audit.pruning). The
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


def default_witness(data_dir: Path, env: dict[str, str]) -> Path:
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


def load_settings(data_dir: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build settings; an explicit ``data_dir`` (the --data-dir option) beats the environment."""
    env = dict(os.environ) if env is None else env
    root = (data_dir or Path(env.get("MNVAULT_DATA_DIR", str(DEFAULT_DATA_DIR)))).resolve()
    database_url = env.get("MNVAULT_DATABASE_URL") or f"sqlite:///{root / 'db' / 'mnvault.sqlite3'}"
    # The keyring lives in its own directory so it can be kept out of database backups
    # (a destroyed KEK version must survive nowhere; see README "Backups").
    keyring_path = Path(env.get("MNVAULT_KEYRING_PATH", str(root / "keyring" / "keyring.json")))
    passphrase_file = env.get("MNVAULT_PASSPHRASE_FILE")
    witness = env.get("MNVAULT_AUDIT_WITNESS")
    return Settings(
        data_dir=root,
        database_url=database_url,
        keyring_path=keyring_path.resolve(),
        passphrase=env.get("MNVAULT_PASSPHRASE") or None,
        passphrase_file=Path(passphrase_file) if passphrase_file else None,
        log_level=env.get("MNVAULT_LOG_LEVEL", "INFO"),
        audit_witness=Path(witness).resolve() if witness else default_witness(root, env),
        audit_checkpoint_entries=int(env.get("MNVAULT_AUDIT_CHECKPOINT_ENTRIES", "1000")),
        audit_checkpoint_seconds=float(env.get("MNVAULT_AUDIT_CHECKPOINT_SECONDS", "60")),
        audit_checkpoint_grace_entries=int(
            env.get("MNVAULT_AUDIT_CHECKPOINT_GRACE_ENTRIES", "20000")
        ),
        audit_checkpoint_grace_seconds=float(
            env.get("MNVAULT_AUDIT_CHECKPOINT_GRACE_SECONDS", "60")
        ),
        audit_retention_days=int(env.get("MNVAULT_AUDIT_RETENTION_DAYS", "2557")),
        audit_syslog=env.get("MNVAULT_AUDIT_SYSLOG") or None,
        maintenance_database_url=env.get("MNVAULT_MAINTENANCE_DATABASE_URL") or None,
        trusted_proxies=tuple(env.get("MNVAULT_TRUSTED_PROXIES", "").replace(",", " ").split()),
    )
