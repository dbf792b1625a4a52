"""Calling a service from a route: one transaction, an authenticated context, a limit."""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.audit import services as audit
from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.errors import SessionExpired
from mnvault.crypto import Envelope
from mnvault.deployment.services import Vault
from mnvault.web.problems import RateLimited, Sealed

T = TypeVar("T")


def vault_of(request: Request) -> Vault:
    vault: Vault | None = request.app.state.vault
    if vault is None or vault.keyring.sealed:
        raise Sealed()
    return vault


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SessionExpired()
    return token.strip()


def call(
    request: Request,
    work: Callable[[Session, Envelope, Context], T],
    *,
    affair: str | None = None,
    full: bool = True,
) -> T:
    """Authenticate and run ``work`` in one transaction, committed before we answer."""
    vault = vault_of(request)
    token = bearer(request)
    client = client_of(request)
    with vault.transaction() as session:
        principal = auth.resolve(
            session, token, client_address=client, request_id=request.state.request_id
        )
        context = _context(request, principal, affair=affair, full=full)
        return work(session, vault.envelope, context)


async def read_call_async(
    request: Request,
    work: Callable[[Session, Envelope, Context, list[AuditEntry] | None], T],
    *,
    affair: str | None = None,
) -> T:
    """:func:`call` for work that writes nothing but audit entries (a number read), from
    an ``async def`` route.

    Authentication, authorization and ``work`` run in a read transaction, which holds
    no write lock; ``work`` puts its entries in the list it is given, and they are
    committed by the vault's group commit before we answer: no entry, no answer
    (DESIGN.md §3 invariant 1). A denial is committed the same way before it is
    raised (invariant 2); a failed batch raises ``AuditUnavailable``. When resolving
    the caller must write (see ``auth.resolve_read_only``), this is :func:`call` in the
    thread pool, with ``work`` writing its entries in that transaction (it gets None
    for the list).

    On SQLite the read transaction runs on the event loop: a few indexed selects on a
    local file and two AES-GCM decryptions cost less CPU than handing them to the
    thread pool and back (whose threads then fought over the GIL), and a snapshot read
    in WAL mode takes no lock, so it does not wait on writers. PostgreSQL's selects are
    network round trips and would stall the loop: there the read transaction goes to
    the thread pool, and only the wait for the commit stays here.
    """
    vault = vault_of(request)
    later: list[AuditEntry] = []
    try:
        if vault.engine.dialect.name == "sqlite":
            resolved, result = _read(
                request, vault.reading_here, vault.envelope, work, affair=affair, later=later
            )
        else:
            resolved, result = await run_in_threadpool(
                functools.partial(_read, affair=affair, later=later),
                request, vault.reading, vault.envelope, work,
            )  # fmt: skip
    except AuthorizationDenied as denied:
        await vault.audit_writer.commit_async([*later, audit.denial_entry(denied)])
        raise
    if not resolved:
        return await run_in_threadpool(
            call, request, lambda s, e, c: work(s, e, c, None), affair=affair
        )
    await vault.audit_writer.commit_async(later)
    return result  # type: ignore[return-value]  # resolved: work has run


def _read(
    request: Request,
    reading: Callable[[], AbstractContextManager[Session]],
    envelope: Envelope,
    work: Callable[[Session, Envelope, Context, list[AuditEntry] | None], T],
    *,
    affair: str | None,
    later: list[AuditEntry],
) -> tuple[bool, T | None]:
    """Resolve the caller and run ``work`` in a read transaction, its entries put in
    ``later``; (False, None) when resolving must write (nothing has run then)."""
    token = bearer(request)
    client = client_of(request)
    with reading() as session:
        principal = auth.resolve_read_only(
            session, token, client_address=client, audit_later=later,
            request_id=request.state.request_id,
        )  # fmt: skip
        if principal is None:
            return False, None
        context = _context(request, principal, affair=affair, full=True)
        return True, work(session, envelope, context, later)


def _context(
    request: Request, principal: auth.Principal, *, affair: str | None, full: bool
) -> Context:
    if full:
        auth.require_full(principal)
    client = client_of(request)
    context = principal.context(
        affair_code=affair, request_id=request.state.request_id, client_address=client
    )
    if principal.token_affairs is not None and affair and affair not in principal.token_affairs:
        raise AuthorizationDenied(
            permission="token:affair", reason="affair outside the token's scope",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            affair_code=affair, request_id=context.request_id, client_address=client,
        )  # fmt: skip
    return context


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
