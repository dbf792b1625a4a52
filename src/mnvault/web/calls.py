"""Calling a service from a route: one transaction, an authenticated context, a limit.

A route hands :func:`call` its work, and the work gets one :class:`Call`: the
transaction's session, the caller's context, and the vault's envelope for the few routes
that seal or open a number (it is looked up only when asked for). Who the caller is comes
from the gate the app installed (web.gate): the frame imports no domain package.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mnvault.context import Context
from mnvault.errors import Refusal
from mnvault.web.gate import gate_of
from mnvault.web.problems import RateLimited, Sealed

if TYPE_CHECKING:
    # Only the type: the frame hands the vault's envelope to the services that seal and
    # open, it never uses it (the contract's one ignored import, pyproject.toml).
    from mnvault.crypto import Envelope

T = TypeVar("T")


class _Keyring(Protocol):
    @property
    def sealed(self) -> bool: ...


class _AuditWriter(Protocol):
    async def commit_async(self, entries: Iterable[Any]) -> None: ...


class OpenVault(Protocol):
    """What the frame uses of the deployment's vault (mnvault.deployment.services.Vault);
    a route that needs the whole of it uses mnvault.deployment.requests.vault_of."""

    @property
    def keyring(self) -> _Keyring: ...
    @property
    def envelope(self) -> Envelope: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def audit_writer(self) -> _AuditWriter: ...
    def transaction(self) -> AbstractContextManager[Session]: ...
    def reading(self) -> AbstractContextManager[Session]: ...
    def reading_here(self) -> AbstractContextManager[Session]: ...


def vault_of(request: Request) -> OpenVault:
    vault: OpenVault | None = request.app.state.vault
    if vault is None or vault.keyring.sealed:
        raise Sealed()
    return vault


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise gate_of(request).expired()
    return token.strip()


@dataclass
class Call:
    """One call of a route's work: its transaction's session and the caller's context.

    ``envelope`` is the vault's, for the work that seals or opens a number; ``later``
    holds the audit entries of a read (:func:`read_call_async`), None elsewhere.
    """

    session: Session
    context: Context
    vault: OpenVault = field(repr=False)
    later: list[Any] | None = None

    @property
    def envelope(self) -> Envelope:
        return self.vault.envelope


def call(
    request: Request,
    work: Callable[[Call], T],
    *,
    affair: str | None = None,
    full: bool = True,
) -> T:
    """Authenticate and run ``work`` in one transaction, committed before we answer."""
    vault = vault_of(request)
    token = bearer(request)
    client = client_of(request)
    with vault.transaction() as session:
        context = gate_of(request).context(
            session, token, client_address=client, request_id=request.state.request_id,
            affair=affair, full=full,
        )  # fmt: skip
        return work(Call(session, context, vault))


async def read_call_async(
    request: Request,
    work: Callable[[Call], T],
    *,
    affair: str | None = None,
) -> T:
    """:func:`call` for work that writes nothing but audit entries (a number read), from
    an ``async def`` route.

    Authentication, authorization and ``work`` run in a read transaction, which holds
    no write lock; ``work`` puts its entries in ``Call.later``, and they are
    committed by the vault's group commit before we answer: no entry, no answer
    (DESIGN.md §3 invariant 1). A denial is committed the same way before it is
    raised (invariant 2); a failed batch raises ``AuditUnavailable``. When resolving
    the caller must write (see ``auth.resolve_read_only``), this is :func:`call` in the
    thread pool, with ``work`` writing its entries in that transaction (``later`` is None).

    On SQLite the read transaction runs on the event loop: a few indexed selects on a
    local file and two AES-GCM decryptions cost less CPU than handing them to the
    thread pool and back (whose threads then fought over the GIL), and a snapshot read
    in WAL mode takes no lock, so it does not wait on writers. PostgreSQL's selects are
    network round trips and would stall the loop: there the read transaction goes to
    the thread pool, and only the wait for the commit stays here.
    """
    vault = vault_of(request)
    later: list[Any] = []
    try:
        if vault.engine.dialect.name == "sqlite":
            resolved, result = _read(
                request, vault, vault.reading_here, work, affair=affair, later=later
            )
        else:
            resolved, result = await run_in_threadpool(
                functools.partial(_read, affair=affair, later=later),
                request, vault, vault.reading, work,
            )  # fmt: skip
    except Refusal as refused:
        await vault.audit_writer.commit_async([*later, gate_of(request).denial_entry(refused)])
        raise
    if not resolved:
        return await run_in_threadpool(call, request, work, affair=affair)
    await vault.audit_writer.commit_async(later)
    return result  # type: ignore[return-value]  # resolved: work has run


def _read(
    request: Request,
    vault: OpenVault,
    reading: Callable[[], AbstractContextManager[Session]],
    work: Callable[[Call], T],
    *,
    affair: str | None,
    later: list[Any],
) -> tuple[bool, T | None]:
    """Resolve the caller and run ``work`` in a read transaction, its entries put in
    ``later``; (False, None) when resolving must write (nothing has run then)."""
    token = bearer(request)
    client = client_of(request)
    with reading() as session:
        context = gate_of(request).context_read_only(
            session, token, client_address=client, request_id=request.state.request_id,
            affair=affair, later=later,
        )  # fmt: skip
        if context is None:
            return False, None
        return True, work(Call(session, context, vault, later))


def new_request_id() -> str:
    return uuid.uuid4().hex


class SlidingWindow:
    """At most ``limit`` events per ``seconds`` per key (client address, login …).

    In-process: with several app servers each enforces its own window, which still
    bounds guessing; a shared store can replace it without changing callers.
    """

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._events: dict[Any, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: Any) -> None:
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] > self.seconds:
                events.popleft()
            if len(events) >= self.limit:
                raise RateLimited(retry_after=int(self.seconds - (now - events[0])) + 1)
            events.append(now)


class Limits:
    """The app's rate limits (one set per app, so tests and servers don't share them)."""

    def __init__(self) -> None:
        # Sign-in, per client address and per login: ten attempts a minute is ample for a
        # person and slows guessing to nothing; the lockout then stops it.
        self.sign_in = SlidingWindow(limit=10, seconds=60)
        # Look-ups by number, per actor: a clerk searching by hand does a few a minute;
        # anything faster is enumeration.
        self.lookup = SlidingWindow(limit=30, seconds=60)
