"""Group commit: the audit entries of many concurrent requests appended in one
transaction and made durable by one commit (one fsync), each request waiting for its own.

Why: a read that commits its own entry holds the database's write lock (SQLite) or the
chain head's row lock (PostgreSQL) from its first statement to its fsync, so concurrent
reads queue behind each other's fsyncs. Here a read does its checks and decryption in a
read transaction, hands its entries to :meth:`GroupCommit.commit` (a thread) or
:meth:`GroupCommit.commit_async` (a coroutine on the event loop) and is answered only
when that returns — that is, once the entries are durably committed (DESIGN.md §3,
invariant 1). The first waiting thread becomes the leader and commits everything queued
so far; requests that arrive meanwhile queue up for the next batch. Coroutines cannot
lead (an fsync would stall every request of their event loop), so one committer thread
per writer leads on their behalf, taking turns with waiting threads.

Fail closed: if a batch fails, every request in it gets :class:`AuditUnavailable` and
answers nothing. The chain stays in order because a batch is appended under the head's
lock like any other append (mnvault.audit.head), so batches of several processes or
hosts take turns as single appends do.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import services
from mnvault.audit.errors import AuditUnavailable
from mnvault.audit.models import AuditEntry
from mnvault.context import unit_of_work

# How long at most the committer thread waits for more entries before a batch, in steps
# of GATHER_STEP, when the last batch ended less than BUSY ago; an idle writer commits at
# once. Next to a sync (some milliseconds) the wait is small; it is what makes batches
# large under load.
GATHER = 0.005
GATHER_STEP = 0.001
BUSY = 0.010


class _Wake(Protocol):
    def set(self) -> None: ...


@dataclass(slots=True)
class _Waiting:
    entries: list[AuditEntry]
    # Set when this request may try to lead the next batch; for a thread also when its
    # batch is over. A coroutine's is the committer thread's, which leads for it.
    wake: _Wake
    # A coroutine's: resolved on its event loop with the batch's failure (or None).
    future: asyncio.Future[BaseException | None] | None = None
    done: bool = False
    failed: BaseException | None = None


class GroupCommit:
    """Commits queued audit entries in batches; one per opened vault (per process)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()
        # Held by the leader for the whole batch: one batch in flight per process.
        self._leader = threading.Lock()
        self._committer: threading.Thread | None = None
        self._committer_wake = threading.Event()
        self._closed = False
        self.batches = 0  # how many commits were made, for tests and diagnostics

    @property
    def queued(self) -> int:
        """Requests waiting for the next batch."""
        with self._queue_lock:
            return len(self._queue)

    def commit(self, entries: Sequence[AuditEntry]) -> None:
        """Append ``entries`` (consecutively, in this order) and return once they are
        durably committed; raise :class:`AuditUnavailable` if they were not."""
        wake = threading.Event()
        waiting = _Waiting(list(entries), wake=wake)
        if not waiting.entries:
            return
        with self._queue_lock:
            self._queue.append(waiting)
        while not waiting.done:
            wake.clear()
            if not self._lead():
                # Followers wait for their own batch, not for the lock: a request is
                # answered as soon as its entries are durable, whoever leads next.
                wake.wait()
        if waiting.failed is not None:
            # A fresh exception per request: one instance raised in many threads would
            # share (and garble) its traceback.
            raise AuditUnavailable() from waiting.failed

    async def commit_async(self, entries: Sequence[AuditEntry]) -> None:
        """:meth:`commit` for a coroutine: the event loop serves other requests while
        the committer thread writes and syncs the batch."""
        if not entries:
            return
        future: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        waiting = _Waiting(list(entries), wake=self._committer_wake, future=future)
        with self._queue_lock:
            if self._closed:
                raise AuditUnavailable()
            self._queue.append(waiting)
            if self._committer is None:
                self._committer = threading.Thread(
                    target=self._commit_for_coroutines, name="audit-group-commit", daemon=True
                )
                self._committer.start()
        self._committer_wake.set()
        # Shielded: a request cancelled meanwhile (its client gone) must not cancel the
        # future the committer will resolve; its entries are committed all the same.
        failed = await asyncio.shield(future)
        if failed is not None:
            raise AuditUnavailable() from failed

    def close(self) -> None:
        """Stop the committer thread once the queue is empty (the vault is closing)."""
        with self._queue_lock:
            self._closed = True
            committer = self._committer
        self._committer_wake.set()
        if committer is not None and committer is not threading.current_thread():
            committer.join(timeout=30)

    def _commit_for_coroutines(self) -> None:
        finished = 0.0
        while True:
            self._committer_wake.wait()
            self._committer_wake.clear()
            if time.monotonic() - finished < BUSY:
                self._gather()
            self._lead()
            finished = time.monotonic()
            with self._queue_lock:
                if self._closed and not self._queue:
                    return

    def _gather(self) -> None:
        """Under load, let the event loop finish the reads it has started: a commit costs
        about as much CPU (and kernel time for the sync) for one entry as for thirty, and
        while this thread sleeps it takes no GIL from the loop. Stops as soon as a step
        brings nothing new (every request is then waiting: waiting longer gains nothing)."""
        deadline = time.monotonic() + GATHER
        queued = self.queued
        while time.monotonic() < deadline:
            time.sleep(GATHER_STEP)
            now = self.queued
            if now == queued:
                return
            queued = now

    def _lead(self) -> bool:
        """Commit what is queued if no batch is in flight; False if one is."""
        if not self._leader.acquire(blocking=False):
            return False
        try:
            with self._queue_lock:
                batch, self._queue = self._queue, []
            if batch:
                self._write(batch)
        finally:
            self._leader.release()
            self._wake_next()
        return True

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
            settled: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
            for waiting in batch:
                waiting.done = True
                if waiting.future is None:
                    waiting.wake.set()
                else:
                    settled.setdefault(waiting.future.get_loop(), []).append(waiting)
            for loop, waiters in settled.items():
                # One wake-up of each event loop per batch, not one per request.
                # A loop that has closed has nobody waiting on it any more.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, waiters)


def _settle(waiters: list[_Waiting]) -> None:
    for waiting in waiters:
        future = waiting.future
        if future is not None and not future.done():
            future.set_result(waiting.failed)
