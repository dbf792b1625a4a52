"""The compliance evidence pack for a large organisation, against rendering the same PDF alone.

    uv run python benchmarks/evidence_pack.py [--persons 100000] [--entries 1000000]

Seeds a SQLite deployment (benchmarks/dispose.py's seeding: persons with numbers and data
keys) and an audit trail of ENTRIES chained entries (record_many, as a bulk import writes
them), then builds the pack as the manager: every live check, the evidence, the full trail
verification, the PDF, the workbook, the register. The baseline renders the same report's PDF
with no checks and no verification. Prints one JSON line on stdout; progress on stderr.
Target (issue #14): 100,000 persons and 1,000,000 entries in under 30 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from _common import emit, log, machine, peak_rss_mb
from dispose import PASSPHRASE, seed
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.compliance import pack
from mnvault.config import load_settings
from mnvault.db.engine import unit_of_work
from mnvault.deployment.services import open_vault
from mnvault.vault.models import Person

CHUNK = 100_000
TARGET_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data_dir, context = seed(work, args.persons, 0)
        settings = load_settings(
            data_dir, env={"MNVAULT_KEYRING_PATH": str(work / "keys" / "keyring.json")}
        )
        vault = open_vault(settings, PASSPHRASE)
        try:
            with unit_of_work(vault.sessions) as session:
                ids = list(session.scalars(select(Person.id)))
            written = 0
            while written < args.entries:
                count = min(CHUNK, args.entries - written)
                people = [ids[(written + i) % len(ids)] for i in range(count)]
                with unit_of_work(vault.sessions) as session:
                    audit.record_many(session, context, AuditAction.NUMBER_READ, people)
                written += count
                log(f"trail: {written:,} / {args.entries:,}")
            key = vault.keyring.public_signing_key()
            started = time.perf_counter()
            with unit_of_work(vault.sessions) as session:
                built = pack.build(
                    session, context, engine=vault.engine, public_key=key,
                    witness_path=settings.audit_witness_path, processes=None,
                )  # fmt: skip
            seconds = time.perf_counter() - started
            html = pack.html_of(built.report, built.statement)
            started = time.perf_counter()
            pack.render_pdf(html)
            baseline = time.perf_counter() - started
        finally:
            vault.close()
    emit(
        {
            "benchmark": "evidence_pack",
            "persons": args.persons,
            "entries": args.entries,
            "seconds": round(seconds, 2),
            "pdf_only_seconds": round(baseline, 2),
            "ratio": round(seconds / baseline, 2) if baseline else None,
            "trail_ok": built.statement["verification"]["ok"],
            "within_target": seconds < TARGET_SECONDS,
            "peak_rss_mb": peak_rss_mb(),
            **machine(),
        }
    )


if __name__ == "__main__":
    main()
