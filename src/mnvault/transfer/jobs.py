"""CSV imports started from the screens: run in a background thread, watched by polling.

The uploaded file holds numbers, so it never touches a disk: the upload is parsed in
memory (the route refuses a body larger than the parser keeps in memory), and the
importer, which reads a path (twice, and from a forked reader process), is handed an
anonymous in-memory file (``memfd_create``) through ``/proc/self/fd``. The file is
gone when its descriptor closes, at the end of the job.

Jobs live in this process only: the progress page must be asked of the server that
runs the job, and a restart forgets finished jobs (the import itself is committed and
audited; in skip-bad mode an interrupted import resumes when the file is sent again).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from mnvault import errors
from mnvault.access.context import Context
from mnvault.db.base import utcnow
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.deployment.services import Vault
from mnvault.numbers import redact
from mnvault.vault.csvfile import Encoding, LineError
from mnvault.vault.errors import InvalidInput
from mnvault.vault.importer import ImportMode, ImportReport, import_persons

log = logging.getLogger(__name__)

# Line errors kept for the screen and its CSV download; the report counts every one.
KEEP_ERRORS = 10_000
# Finished jobs kept for their owners to read; the oldest go first.
KEEP_JOBS = 100


class JobState(StrEnum):
    """A web import's progress (in memory; the stored ImportJob has its own states)."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class WebImport:
    id: str
    owner: uuid.UUID
    filename: str
    affairs: list[str]
    mode: ImportMode
    total_bytes: int
    encoding: Encoding = Encoding.AUTO
    started_at: datetime = field(default_factory=utcnow)
    position: int = 0
    state: JobState = JobState.RUNNING
    report: ImportReport | None = None
    errors: list[LineError] = field(default_factory=list)
    errors_counted: int = 0
    failure: tuple[str, str] | None = None
    finished_at: datetime | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def percent(self) -> int:
        if self.state != JobState.RUNNING:
            return 100
        return min(99, self.position * 100 // max(1, self.total_bytes))


def in_memory_file(data: bytes) -> int:
    """An anonymous file in memory holding ``data``; the caller closes the descriptor."""
    if not hasattr(os, "memfd_create"):
        raise InvalidInput(
            "このサーバーでは画面からの取込みを使えません。mnvault import persons を使ってください",
            "imports from the screens need Linux; use mnvault import persons",
        )
    fd = os.memfd_create("mnvault-import", os.MFD_CLOEXEC)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except BaseException:
        os.close(fd)
        raise
    return fd


class ImportJobs:
    """The imports this process runs or has run, each visible to its owner only."""

    def __init__(self) -> None:
        self._jobs: dict[str, WebImport] = {}
        self._lock = threading.Lock()

    def start(
        self, vault: Vault, context: Context, *, data: bytes, filename: str,
        affairs: list[str], mode: ImportMode, encoding: Encoding = Encoding.AUTO,
    ) -> WebImport:  # fmt: skip
        fd = in_memory_file(data)
        job = WebImport(
            secrets.token_urlsafe(16), context.actor_id, filename, affairs, mode, len(data),
            encoding,
        )  # fmt: skip
        job.thread = threading.Thread(
            target=self._run, args=(vault, context, job, fd), name="mnvault-web-import",
            daemon=True,
        )  # fmt: skip
        with self._lock:
            self._forget_old()
            self._jobs[job.id] = job
        job.thread.start()
        return job

    def get(self, job_id: str, owner: uuid.UUID) -> WebImport | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def errors(self, job: WebImport) -> list[LineError]:
        with self._lock:
            return list(job.errors)

    def wait(self, job_id: str, timeout: float = 120) -> WebImport:
        """For tests and shutdown: until the job has finished."""
        job = self._jobs[job_id]
        if job.thread is not None:
            job.thread.join(timeout)
        return job

    def _forget_old(self) -> None:
        finished = sorted(
            (j for j in self._jobs.values() if j.state != JobState.RUNNING),
            key=lambda j: j.started_at,
        )
        for job in finished[: max(0, len(self._jobs) - KEEP_JOBS + 1)]:
            del self._jobs[job.id]

    def _run(self, vault: Vault, context: Context, job: WebImport, fd: int) -> None:
        def on_error(err: LineError) -> None:
            # The importer's reasons carry no number; redact() is the last line of defence.
            with self._lock:
                job.errors_counted += 1
                if len(job.errors) < KEEP_ERRORS:
                    job.errors.append(
                        LineError(err.line, redact(err.reason_ja), redact(err.reason_en))
                    )

        def on_progress(position: int) -> None:
            job.position = position

        try:
            job.report = import_persons(
                vault.sessions, vault.envelope, context, path=Path(f"/proc/self/fd/{fd}"),
                affair_codes=job.affairs, mode=job.mode, encoding=job.encoding, on_error=on_error,
                on_progress=on_progress,
                # The server has threads: a forked reader could hang on a lock one held.
                reader_process=False,
            )  # fmt: skip
            job.state = JobState.DONE
        except KNOWN_ERRORS as exc:
            job.failure = (errors.message(exc, "ja"), errors.message(exc, "en"))
            job.state = JobState.FAILED
        except Exception:  # a background thread: nobody else would see it
            log.exception("a web import failed")
            job.failure = ("取込みに失敗しました", "the import failed")
            job.state = JobState.FAILED
        finally:
            os.close(fd)
            job.finished_at = utcnow()
