"""One typed settings object, read from MNVAULT_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("mnvault-data")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    keyring_path: Path
    passphrase: str | None
    passphrase_file: Path | None
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(data_dir: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Build settings; an explicit ``data_dir`` (the --data-dir option) beats the environment."""
    env = dict(os.environ) if env is None else env
    root = (data_dir or Path(env.get("MNVAULT_DATA_DIR", str(DEFAULT_DATA_DIR)))).resolve()
    database_url = env.get("MNVAULT_DATABASE_URL") or f"sqlite:///{root / 'db' / 'mnvault.sqlite3'}"
    # The keyring lives in its own directory so it can be kept out of database backups
    # (a destroyed KEK version must survive nowhere; see README "Backups").
    keyring_path = Path(env.get("MNVAULT_KEYRING_PATH", str(root / "keyring" / "keyring.json")))
    passphrase_file = env.get("MNVAULT_PASSPHRASE_FILE")
    return Settings(
        data_dir=root,
        database_url=database_url,
        keyring_path=keyring_path.resolve(),
        passphrase=env.get("MNVAULT_PASSPHRASE") or None,
        passphrase_file=Path(passphrase_file) if passphrase_file else None,
        log_level=env.get("MNVAULT_LOG_LEVEL", "INFO"),
    )
