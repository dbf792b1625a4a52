"""The request context every service call carries (who, in which organisation, for which
affair), and the audited transaction those calls run in.

A refused attempt is recorded too (DESIGN.md invariant 2): services raise a
:class:`~mnvault.errors.Refusal` carrying what its audit entry must say, and
:func:`unit_of_work` writes that entry after the rollback, in a transaction of its own,
with the recorder the audit ledger registered (:func:`record_refusals_with`). Without a
recorder a refusal cannot be audited, and the transaction fails closed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from mnvault.errors import MnvaultError, Refusal

SessionFactory = Callable[[], Session]
RefusalRecorder = Callable[[Session, Refusal], None]


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Context:
    actor_id: uuid.UUID
    organisation_id: uuid.UUID
    affair_code: str | None = None
    purpose: str | None = None
    request_id: str = field(default_factory=new_request_id)
    client_address: str | None = None
    channel: str = "cli"

    def for_affair(self, affair_code: str) -> Context:
        return replace(self, affair_code=affair_code)


class RefusalUnaudited(MnvaultError):
    """A refusal met a process where no audit ledger registered its recorder."""

    message_ja = "拒否を監査記録に書き込めないため、処理を中止しました"
    message_en = "the refusal could not be audited, so the operation was stopped"
    status = 503
    kind = "audit-unavailable"


_recorders: list[RefusalRecorder] = []


def record_refusals_with(recorder: RefusalRecorder) -> None:
    """The audit ledger's writer of a refusal's entry (one per process; the last wins)."""
    _recorders[:] = [recorder]


def record_refusal(session: Session, refused: Refusal) -> None:
    """Roll back what the refused attempt did, then record the refusal in a transaction
    of its own (for callers that run their own transactions, as unit_of_work does)."""
    session.rollback()
    if not _recorders:
        raise RefusalUnaudited() from refused
    _recorders[0](session, refused)
    session.commit()


@contextmanager
def unit_of_work(factory: SessionFactory) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises; a
    refusal is recorded after the rollback and raised again."""
    session = factory()
    try:
        yield session
        session.commit()
    except Refusal as refused:
        record_refusal(session, refused)
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
