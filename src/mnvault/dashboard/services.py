"""What each role's dashboard shows; read-only, nothing here returns a number.

The board is what the packages registered (mnvault.dashboard.panels): their sections —
clerk: my affairs, the persons awaiting verification (vault); manager: take-out requests
(vault) and disposal batches waiting for a decision, numbers falling due (disposal), the
safety measures (compliance), recent denials and failures (audit); auditor: the trail's
state and the latest analysis reports (audit); admin: the users, the key versions and the
disposal confirmation setting (admin); everyone: my recent work (audit) — and the items
that need attention. The dashboard imports none of those packages.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mnvault.context import Context
from mnvault.dashboard import panels


@dataclass
class Dashboard:
    attention: list[panels.Attention] = field(default_factory=list)
    sections: list[panels.Shown] = field(default_factory=list)


def board(
    session: Session,
    context: Context,
    roles: Collection[str],
    data_dir: Path | None = None,
    keyring: Any = None,
) -> Dashboard:
    where = panels.Where(data_dir=data_dir, keyring=keyring)
    return Dashboard(
        attention=panels.attention(session, context, roles),
        sections=panels.sections(session, context, roles, where),
    )
