"""Group commit: the audit entries of many concurrent requests appended in one
transaction and made durable by one commit (one fsync), each request waiting for its own.

Why: a read that commits its own entry holds the database's write lock (SQLite) or the
chain head's row lock (PostgreSQL) from its first statement to its fsync, so concurrent
reads queue behind each other's fsyncs. Here a read does its checks and decryption in a
read transaction, hands its entries to :meth:`GroupCommit.commit` and is answered only
when that returns — that is, once the entries are durably committed (DESIGN.md §3,
invariant 1). The first waiting thread becomes the leader and commits everything queued
so far; threads that arrive meanwhile queue up for the next batch.

Fail closed: if a batch fails, every request in it gets :class:`AuditUnavailable` and
answers nothing. The chain stays in order because a batch is appended under the head's
lock like any other append (mnvault.audit.head), so batches of several processes or
hosts take turns as single appends do.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import services
from mnvault.audit.errors import AuditUnavailable
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work


@dataclass(slots=True)
class _Waiting:
    entries: list[AuditEntry]
    done: bool = False
    failed: BaseException | None = None
    # Set when this request's batch is over, or when it may try to lead the next one.
    wake: threading.Event = field(default_factory=threading.Event)


class GroupCommit:
    """Commits queued audit entries in batches; one per opened vault (per process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        # Held by the leader for the whole batch: one batch in flight per process.
        self._leader = threading.Lock()
        self.batches = 0  # how many commits were made, for tests and diagnostics

    @property
    def queued(self) -> int:
        """Requests waiting for the next batch."""
        with self._queue_lock:
            return len(self._queue)

    def commit(self, entries: Sequence[AuditEntry]) -> None:
        """Append ``entries`` (consecutively, in this order) and return once they are
        durably committed; raise :class:`AuditUnavailable` if they were not."""
        waiting = _Waiting(list(entries))
        if not waiting.entries:
            return
        with self._queue_lock:
            self._queue.append(waiting)
        while not waiting.done:
            waiting.wake.clear()
            if self._leader.acquire(blocking=False):
                try:
                    if not waiting.done:
                        with self._queue_lock:
                            batch, self._queue = self._queue, []
                        self._write(batch)
                finally:
                    self._leader.release()
                    self._wake_next()
            else:
                # Followers wait for their own batch, not for the lock: a request is
                # answered as soon as its entries are durable, whoever leads next.
                waiting.wake.wait()
        if waiting.failed is not None:
            # A fresh exception per request: one instance raised in many threads would
            # share (and garble) its traceback.
            raise AuditUnavailable() from waiting.failed

    def _wake_next(self) -> None:
        # After the release, so that a request queued while the batch ran is never left
        # waiting with nobody leading: it is woken here to lead the next batch.
        with self._queue_lock:
            first = self._queue[0] if self._queue else None
        if first is not None:
            first.wake.set()

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            with unit_of_work(self._sessions) as session:
                services.insert_all(session, [e for waiting in batch for e in waiting.entries])
        except BaseException as exc:  # every waiter must learn of any failure
            for waiting in batch:
                waiting.failed = exc
        finally:
            self.batches += 1
            for waiting in batch:
                waiting.done = True
                waiting.wake.set()
