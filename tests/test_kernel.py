"""The kernel below the domains (issue #12 "One error model"): packages register what
they own instead of being listed centrally, and the audited transaction lives in
mnvault.context, recording refusals with the audit ledger's recorder."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

import mnvault
from mnvault import context
from mnvault.db.engine import make_engine, make_session_factory
from mnvault.db.registry import metadata, model_modules
from mnvault.errors import Refusal


def test_every_package_with_models_is_found_without_a_list():
    """A new package's tables reach the migrations by its models.py alone."""
    root = Path(mnvault.__file__).parent
    expected = sorted(f"mnvault.{p.parent.name}.models" for p in root.glob("*/models.py"))
    assert model_modules() == expected
    assert {"persons", "audit_entries", "users", "kek_rotations"} <= set(metadata.tables)


def test_a_refusal_is_recorded_after_the_rollback_in_a_transaction_of_its_own(monkeypatch):
    factory = make_session_factory(make_engine("sqlite://"))
    seen: list[tuple[bool, Refusal]] = []

    def recorder(session, refused):  # what the audit ledger registers
        seen.append((session.in_transaction(), refused))
        session.execute(text("SELECT 1"))

    monkeypatch.setattr(context, "_recorders", [recorder])
    refused = Refusal()

    def refuse() -> None:
        with context.unit_of_work(factory) as session:
            session.execute(text("SELECT 1"))
            raise refused

    with pytest.raises(Refusal):
        refuse()
    assert seen == [(False, refused)]  # rolled back before the recorder ran


def test_a_refusal_nobody_can_record_fails_closed(monkeypatch):
    """No audit ledger registered: the refusal cannot be audited, so it is not passed off
    as an ordinary one (DESIGN.md invariant 2)."""
    factory = make_session_factory(make_engine("sqlite://"))
    monkeypatch.setattr(context, "_recorders", [])
    with pytest.raises(context.RefusalUnaudited), context.unit_of_work(factory):
        raise Refusal()


def test_the_audit_ledger_registers_its_recorder():
    import mnvault.audit.services  # noqa: F401 - registers on import

    assert context._recorders


def test_every_wrapped_key_column_is_registered_by_its_package():
    """A KEK rotation re-wraps and counts the kinds packages register beside their
    models (keys/services keeps no list of them): a TOTP secret left out would be
    destroyed with its KEK version, and with it every second factor."""
    from mnvault.attachments.models import Attachment
    from mnvault.auth.models import UserSecurity
    from mnvault.db.wrapped import wrapped_keys
    from mnvault.disposal.models import ContractorDisposal
    from mnvault.vault.models import DataKey, ExportRequest

    kinds = {kind.name: kind for kind in wrapped_keys()}
    assert {name: kind.model for name, kind in kinds.items()} == {
        "attachments": Attachment,
        "certificates": ContractorDisposal,
        "data_keys": DataKey,
        # A workbook take-out's passphrase, sealed until the download (issue #18).
        "takeout_passphrases": ExportRequest,
        "totp_secrets": UserSecurity,
    }
    assert kinds["data_keys"].owner is None  # in batches, by the keys service
    assert kinds["totp_secrets"].owner is not None
