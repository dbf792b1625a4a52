"""A fork server for the CLI tests: each ``mnvault`` command in its own process, without
paying Python's start-up and mnvault's imports every time.

A command costs about a second of CPU, four fifths of it importing (measured with cProfile
and ``-X importtime``, issue #12); the suite runs several hundred. This module, run as a
script, is a small server started once per test process with a clean environment: it imports
every command group, then forks one child per command. The child takes the command's
environment, working directory, standard streams and arguments, runs the real entry point
(``mnvault.cli.main.run``) and exits as the interpreter does, finalisers and all (SQLite's
last connection checkpoints its WAL on close, which tests that copy a database rely on).
So a command still runs in a process of its own, with its own exit code, umask, signals and
open files; only what ``import`` built is shared, copy-on-write. The server runs no test
and configures nothing (no logging, no settings) before it forks.

The child's CPU time is reaped by the server, not the test process: it is sent back with
the exit code and added to :attr:`Zygote.children_cpu`, which ``tests.support.cputime`` counts.

The leak test and the start-up test keep spawning a fresh interpreter
(``tests.support.cli.mnvault(..., spawn=True)``).
"""

from __future__ import annotations

import importlib
import io
import json
import locale
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_HEADER = struct.Struct("!I")
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


# --- the server (runs as ``python -c _START FD``) -----------------------------


def _preload() -> None:
    from mnvault.cli import main

    for module, _attribute in main.COMMANDS.values():
        importlib.import_module(module)


def _receive(channel: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    head, fds, _flags, _address = socket.recv_fds(channel, _HEADER.size, 3)
    if not head:
        return None
    (size,) = _HEADER.unpack(head)
    body = b""
    while len(body) < size:
        chunk = channel.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body), fds


def _dumps(message: object) -> bytes:
    return json.dumps(message).encode("utf-8")


def _send(channel: socket.socket, message: object) -> None:
    body = _dumps(message)
    channel.sendall(_HEADER.pack(len(body)) + body)


def _become_the_command(channel: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take the command's streams, environment and arguments, run it.
    Never returns: ``SystemExit`` leaves through the interpreter's own exit."""
    channel.close()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    cwd = str(request["cwd"])
    os.chdir(cwd)
    sys.path[0] = cwd  # as ``python -m`` puts it
    encoding, errors = sys.__stdout__.encoding, sys.__stdout__.errors  # type: ignore[union-attr]
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding, errors=errors)
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding=encoding, errors=errors
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding=encoding, errors="backslashreplace",
        line_buffering=True,
    )  # fmt: skip
    from mnvault.cli import main

    sys.argv = [str(main.__file__), *request["args"]]
    sys.modules["__main__"].__package__ = "mnvault.cli"  # click names it "python -m …"
    main.run()
    sys.exit(0)


def serve(fd: int) -> None:
    channel = socket.socket(fileno=fd)
    _preload()
    while (received := _receive(channel)) is not None:
        request, fds = received
        pid = os.fork()
        if pid == 0:
            _become_the_command(channel, request, fds)
        for fd_ in fds:
            os.close(fd_)
        _send(channel, pid)
        _, status, usage = os.wait4(pid, 0)
        _send(channel, (os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime))


_START = f"import runpy; runpy.run_path({__file__!r}, run_name='__main__')"


# --- the client (in the test process) --------------------------------------------------------


class Zygote:
    """One server per test process, started on first use, ended when the process ends (the
    server stops when its channel closes)."""

    # CPU seconds of the commands this process ran through the server (see cputime.py).
    children_cpu = 0.0
    _lock = threading.Lock()
    _channel: socket.socket | None = None
    _process: subprocess.Popen[bytes] | None = None

    @classmethod
    def _started(cls) -> socket.socket:
        if cls._channel is None or (cls._process and cls._process.poll() is not None):
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            cls._process = subprocess.Popen(
                # By path, not ``-m tests.support…``: the package's modules stay unimported;
                # not as a script either (its directory first on sys.path would shadow the
                # standard library's ``numbers`` with tests/support/numbers.py).
                [sys.executable, "-c", _START, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            theirs.close()
            cls._channel = ours
        return cls._channel

    @classmethod
    def run(
        cls, args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 120
    ) -> Finished:
        encoding = locale.getpreferredencoding(False)  # as subprocess's text mode decodes
        with cls._lock, tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as out, \
                tempfile.TemporaryFile() as err:  # fmt: skip
            given.write(stdin.encode(encoding))
            given.seek(0)
            channel = cls._started()
            body = _dumps({"args": list(args), "env": dict(env), "cwd": os.getcwd()})
            socket.send_fds(
                channel, [_HEADER.pack(len(body)) + body],
                [given.fileno(), out.fileno(), err.fileno()],
            )  # fmt: skip
            channel.settimeout(timeout)
            pid = _read(channel)
            try:
                returncode, cpu = _read(channel)
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                channel.settimeout(None)
                _read(channel)
                raise subprocess.TimeoutExpired(["mnvault", *args], timeout) from None
            finally:
                channel.settimeout(None)
            cls.children_cpu += cpu
            out.seek(0)
            err.seek(0)
            return Finished(returncode, _text(out.read(), encoding), _text(err.read(), encoding))


def _read(channel: socket.socket) -> Any:
    head = _exactly(channel, _HEADER.size)
    (size,) = _HEADER.unpack(head)
    return json.loads(_exactly(channel, size))


def _exactly(channel: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = channel.recv(size - len(data))
        if not chunk:
            raise RuntimeError("the CLI test server stopped")
        data += chunk
    return data


def _text(data: bytes, encoding: str) -> str:
    # What ``subprocess.run(..., text=True)`` gives: decoded, universal newlines.
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


if __name__ == "__main__":
    serve(int(sys.argv[1]))
