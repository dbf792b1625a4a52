"""Run a generator in a forked child process and stream its items back.

Bulk work splits into two halves on two cores: a child that computes (parses, checks,
seals) and the parent that writes to the database. A thread would not do: SQLite
releases and retakes the GIL for every row, and the two threads then convoy. The
child is forked, so it inherits what the parent holds in memory (an unsealed keyring)
without any key crossing a pipe; only the items come back, pickled. Where fork is
unavailable, or the caller says not to (a multi-threaded server: a child forked
while another thread holds a lock can hang on it), the generator runs in this process.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import os
import queue
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from mnvault.numbers import redact

T = TypeVar("T")


class _Failed:
    def __init__(self, message: str) -> None:
        self.message = message


class ForkedIterator(Generic[T]):
    """``with ForkedIterator(fn, *args) as items: for item in items: …``"""

    def __init__(
        self, fn: Callable[..., Iterator[T]], *args: Any, name: str, fork: bool = True
    ) -> None:
        self.fn, self.args, self.name, self.fork = fn, args, name, fork
        self.process: multiprocessing.process.BaseProcess | None = None
        self.queue: multiprocessing.queues.Queue[Any] | None = None

    def __enter__(self) -> Iterator[T]:
        if not self.fork or "fork" not in multiprocessing.get_all_start_methods():
            return self.fn(*self.args)
        context = multiprocessing.get_context("fork")
        self.queue = context.Queue(maxsize=4)
        self.process = context.Process(
            target=_run, args=(self.queue, os.getpid(), self.fn, *self.args), name=self.name
        )
        self.process.start()
        return self._receive()

    def _receive(self) -> Iterator[T]:
        assert self.queue is not None  # noqa: S101 - set in __enter__
        assert self.process is not None  # noqa: S101 - set in __enter__
        while True:
            try:
                item = self.queue.get(timeout=1)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(f"{self.name} stopped unexpectedly") from None
                continue
            if item is None:
                return
            if isinstance(item, _Failed):
                raise RuntimeError(f"{self.name} failed: {item.message}")
            yield item

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            assert self.queue is not None  # noqa: S101 - set with the process
            self.queue.close()
            self.queue.cancel_join_thread()


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when its parent dies, however it dies (kill -9
    too): an orphan would otherwise wait forever on a full pipe nobody reads."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _put(out: multiprocessing.queues.Queue[Any], parent: int, item: Any) -> None:
    # Where the kernel cannot be asked (not Linux): notice the parent's death while
    # waiting for room in the queue.
    while True:
        try:
            out.put(item, timeout=1)
            return
        except queue.Full:
            if os.getppid() != parent:
                os._exit(1)


def _run(
    out: multiprocessing.queues.Queue[Any],
    parent: int,
    fn: Callable[..., Iterator[Any]],
    *args: Any,
) -> None:
    _die_with(parent)
    # Ctrl-C is the parent's to handle: it rolls back its work and stops this child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        for item in fn(*args):
            _put(out, parent, item)
        _put(out, parent, None)
    except BaseException as exc:  # reported to the parent, which raises it
        _put(out, parent, _Failed(redact(f"{type(exc).__name__}: {exc}")))
