"""The syslog witness: each checkpoint also sent to syslog (MNVAULT_AUDIT_SYSLOG).

A second copy outside the database, usually on another host (a central log server),
that whoever can rewrite the database and the witness file still cannot reach. One RFC
5424 message per checkpoint, its text the witness line (mnvault.audit.witness), over
UDP (``udp://host:port``), TCP (``tcp://host:port``, octet-counted, RFC 6587) or a unix
socket (a path, e.g. ``/dev/log``). Standard library only.

Sending raises OSError; the caller reports it and carries on: the checkpoint is already
committed and in the file witness, and a log server being down must not stop the vault.
(UDP cannot tell a message that was lost; that is the price of the usual transport.)
"""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

# facility authpriv (10), severity notice (5): security records, not chatter.
PRIORITY = 10 * 8 + 5
APP_NAME = "mnvault"
MSG_ID = "audit-checkpoint"


def message(line: dict[str, object]) -> bytes:
    stamp = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    host = socket.gethostname() or "-"
    body = json.dumps(line, sort_keys=True)
    return f"<{PRIORITY}>1 {stamp} {host} {APP_NAME} {os.getpid()} {MSG_ID} - {body}".encode()


def send(target: str, lines: Iterable[dict[str, object]]) -> None:
    """Send each line to the syslog ``target``; raises OSError (ValueError: bad target)."""
    messages = [message(line) for line in lines]
    if not messages:
        return
    if target.startswith(("udp://", "tcp://")):
        parts = urlsplit(target)
        if not parts.hostname:
            raise ValueError(f"no host in the syslog target {target!r}")
        address = (parts.hostname, parts.port or 514)
        if parts.scheme == "udp":
            with socket.socket(_family(parts.hostname), socket.SOCK_DGRAM) as sock:
                for data in messages:
                    sock.sendto(data, address)
            return
        with socket.create_connection(address, timeout=5) as sock:
            sock.sendall(b"".join(b"%d %s" % (len(data), data) for data in messages))
        return
    path = target.removeprefix("unix://")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(path)
            for data in messages:
                sock.send(data)
    except OSError as exc:
        if exc.errno != errno.EPROTOTYPE:  # a stream socket (syslog-ng, some journald setups)
            raise
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(b"".join(data + b"\n" for data in messages))


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
