"""Issue 12, Settings: one typed, validated settings object owns every MNVAULT_* variable;
a bad value stops start-up (`mnvault serve`, any command, the app factory, the
migrations) with a bilingual message naming the variable, never an internal error."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mnvault.config import PREFIX, Environment, SettingsError, load_settings, read_environment
from mnvault.db.engine import make_engine
from mnvault.db.migrate import upgrade
from mnvault.numbers import generate_my_number
from tests.cli_support import mnvault

# One or more bad values per variable that has a rule; each must be refused by name.
BAD_VALUES = [
    ("MNVAULT_AUDIT_CHECKPOINT_ENTRIES", "abc"),
    ("MNVAULT_AUDIT_CHECKPOINT_ENTRIES", "-5"),
    ("MNVAULT_AUDIT_CHECKPOINT_ENTRIES", "0"),
    ("MNVAULT_AUDIT_CHECKPOINT_ENTRIES", "1.5"),
    ("MNVAULT_AUDIT_CHECKPOINT_SECONDS", "soon"),
    ("MNVAULT_AUDIT_CHECKPOINT_SECONDS", "0"),
    ("MNVAULT_AUDIT_CHECKPOINT_SECONDS", "nan"),
    ("MNVAULT_AUDIT_CHECKPOINT_SECONDS", "inf"),
    ("MNVAULT_AUDIT_CHECKPOINT_GRACE_ENTRIES", "-1"),
    ("MNVAULT_AUDIT_CHECKPOINT_GRACE_ENTRIES", "many"),
    ("MNVAULT_AUDIT_CHECKPOINT_GRACE_SECONDS", "-0.5"),
    ("MNVAULT_AUDIT_RETENTION_DAYS", "0"),
    ("MNVAULT_AUDIT_RETENTION_DAYS", "seven years"),
    ("MNVAULT_LOG_LEVEL", "LOUD"),
    ("MNVAULT_LOG_LEVEL", "10"),
    ("MNVAULT_AUDIT_SYSLOG", "udp://"),
    ("MNVAULT_AUDIT_SYSLOG", "udp://127.0.0.1:99999"),
    ("MNVAULT_AUDIT_SYSLOG", "relative/socket"),
    ("MNVAULT_DATABASE_URL", "mysql://localhost/vault"),
    ("MNVAULT_DATABASE_URL", "mnvault.sqlite3"),
    ("MNVAULT_MAINTENANCE_DATABASE_URL", "oracle://x"),
    ("MNVAULT_DATABASE_APP_ROLE", "r" * 64),
    ("MNVAULT_DATABASE_MAINTENANCE_ROLE", "m" * 64),
    ("MNVAULT_SERVER", "ftp://127.0.0.1:8600"),
    ("MNVAULT_SERVER", "127.0.0.1:8600"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(Path("/nonexistent/data"), env={variable: value})
    message = str(caught.value)
    assert caught.value.variables == (variable,)
    assert variable in message
    assert "不正です" in message and "is invalid" in message  # Japanese and English
    assert "Traceback" not in message and "pydantic" not in message.lower()


def test_every_bad_variable_is_named_at_once() -> None:
    env = {"MNVAULT_LOG_LEVEL": "LOUD", "MNVAULT_AUDIT_CHECKPOINT_ENTRIES": "abc"}
    with pytest.raises(SettingsError) as caught:
        read_environment(env)
    assert set(caught.value.variables) == set(env)


def test_a_secret_or_a_number_is_never_echoed() -> None:
    """The message shows a bad value to help whoever typed it, but a number in it is
    redacted; a secret variable's value is never shown (no secret has a rule today,
    so the redaction is what is tested)."""
    number = generate_my_number(random.Random(12))
    with pytest.raises(SettingsError) as caught:
        read_environment({"MNVAULT_LOG_LEVEL": number})
    assert number not in str(caught.value)
    assert "REDACTED" in str(caught.value)  # redacted, not dropped
    assert "MNVAULT_LOG_LEVEL" in str(caught.value)


def test_good_values_are_typed() -> None:
    settings = load_settings(
        Path("/nonexistent/data"),
        env={
            "MNVAULT_AUDIT_CHECKPOINT_ENTRIES": "5",
            "MNVAULT_AUDIT_CHECKPOINT_SECONDS": "2.5",
            "MNVAULT_LOG_LEVEL": "debug",
            "MNVAULT_AUDIT_SYSLOG": "unix:///dev/log",
            "MNVAULT_PASSPHRASE": "",  # empty counts as unset, as before
        },
    )
    assert settings.audit_checkpoint_entries == 5
    assert settings.audit_checkpoint_seconds == 2.5
    assert settings.log_level == "DEBUG"
    assert settings.audit_syslog == "unix:///dev/log"
    assert settings.passphrase is None


def test_the_cli_and_migration_variables_are_owned_and_secrets_stay_hidden() -> None:
    """Every MNVAULT_* variable the code reads is a field of Environment (grep os.environ
    finds none outside config.py), and a password never shows in a repr."""
    env = {
        "MNVAULT_USER": "sato",
        "MNVAULT_ORGANISATION": "org-abc123",
        "MNVAULT_ORG": "org-abc123",
        "MNVAULT_USER_PASSWORD": "the clerk's password",
        "MNVAULT_NEW_PASSWORD": "a new password",
        "MNVAULT_TOTP": "123456",
        "MNVAULT_SERVER": "https://vault.example:8600",
        "MNVAULT_TOKEN": "session-token",
        "MNVAULT_DATABASE_APP_ROLE": "mnvault_app",
        "MNVAULT_DATABASE_MAINTENANCE_ROLE": "mnvault_maint",
    }
    environment = read_environment(env)
    assert environment.user == "sato" and environment.server == "https://vault.example:8600"
    assert environment.database_app_role == "mnvault_app"
    assert environment.user_password is not None
    assert environment.user_password.get_secret_value() == "the clerk's password"
    assert "the clerk's password" not in repr(environment)
    assert "session-token" not in repr(environment)


def test_no_module_reads_the_environment_behind_the_settings() -> None:
    source = Path(__file__).parents[1] / "src" / "mnvault"
    readers = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if path.name != "config.py"
        and any(word in path.read_text("utf-8") for word in ("os.environ.get", "getenv("))
    ]
    assert readers == []
    names = {f"MNVAULT_{name.upper()}" for name in Environment.model_fields}
    assert {"MNVAULT_DATABASE_APP_ROLE", "MNVAULT_USER_PASSWORD", "MNVAULT_TOTP"} <= names


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    return {**env, **extra}


@pytest.mark.parametrize(
    "args", [["number", "check", "123456789018"], ["serve", "--port", "1"], ["audit", "verify"]]
)
def test_the_real_cli_prints_the_message_and_exits_without_a_traceback(
    args: list[str], tmp_path: Path
) -> None:
    env = _clean_env(
        MNVAULT_DATA_DIR=str(tmp_path / "data"), MNVAULT_AUDIT_CHECKPOINT_ENTRIES="abc"
    )
    result = mnvault(args, env)
    assert result.returncode == 78, result.stderr
    assert "MNVAULT_AUDIT_CHECKPOINT_ENTRIES" in result.stderr
    assert "不正です" in result.stderr and "is invalid" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "内部エラー" not in result.stderr  # not the last-resort guard
    assert not (tmp_path / "data").exists()  # stopped before anything was created


def test_the_app_factory_stops_with_the_message(tmp_path: Path) -> None:
    code = "from mnvault.app import from_environment; from_environment()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_env(MNVAULT_DATA_DIR=str(tmp_path / "data"), MNVAULT_LOG_LEVEL="LOUD"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 78
    assert "MNVAULT_LOG_LEVEL" in result.stderr and "LOUD" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_migrations_read_their_roles_through_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bad MNVAULT_DATABASE_APP_ROLE stops a migration with the same message."""
    monkeypatch.setenv("MNVAULT_DATABASE_APP_ROLE", "r" * 64)
    engine = make_engine("sqlite://")
    with pytest.raises(SettingsError) as caught:
        upgrade(engine)
    assert caught.value.variables == ("MNVAULT_DATABASE_APP_ROLE",)


def test_every_variable_the_readme_names_is_owned_by_the_settings() -> None:
    """A documented variable that nothing reads (MNVAULT_EXPORT_PASSPHRASE was one)
    would be silently ignored: the README's table names only Environment's fields."""
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"`(MNVAULT_[A-Z_]+)`", table))
    owned = {PREFIX + name.upper() for name in Environment.model_fields}
    assert documented and documented <= owned
