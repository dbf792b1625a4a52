"""Long actions started from the screens, run in the background (issue #18).

A report's PDF, a disposal run, a verification of the trail or the evidence pack can take
longer than a browser waits for a page. The screen hands :meth:`Jobs.start` the work (a
call of the same service function the page used to make in the request, with the same
context, so the authorisation and the audit entry are the ones the page made) and sends
the person to the job's status page, which reloads itself until the job has finished.

Kernel-level: this module knows no domain (the work is a function it is given) and
imports only the one error renderer, so a failure reads as every other error does:
bilingual, with any number masked, and an unknown fault as "internal error" only.

Jobs live in this process's memory: the status page must be asked of the server that
runs the job, and a restart forgets them (what the action did is committed and audited;
a download is made again). The app waits for unfinished jobs when it shuts down.

Bounded: each person has at most :attr:`Jobs.per_owner` unfinished jobs, at most
:attr:`Jobs.workers` run at once (the rest wait, queued), and the oldest finished jobs,
with the files they hold, are forgotten beyond :attr:`Jobs.keep`.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mnvault import errors
from mnvault.errors import MnvaultError

log = logging.getLogger(__name__)

# Two cores are common for a vault's server: two long actions at once, the rest queued.
WORKERS = 2
# Unfinished jobs one person may have; more is a double click or a script.
PER_OWNER = 3
# Finished jobs kept (with their downloads) for their owners; the oldest go first.
KEEP = 100


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TooManyJobs(MnvaultError):
    message_ja = "実行中の処理が多すぎます。終わるのを待ってから再度お試しください"
    message_en = "too many actions are running; wait for them to finish and try again"
    status = 429
    kind = "too-many-jobs"


class ResultWithheld(MnvaultError):
    """A result that could hold a number, made for one who administers or audits."""

    message_ja = "管理者・監査者には個人番号を含みうる結果を渡せません"
    message_en = "a result that could hold a number is not given to an administrator or auditor"
    status = 403
    kind = "forbidden"


@dataclass(frozen=True)
class Download:
    """A file the job made, kept in memory for its owner (never written to disk)."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Outcome:
    """What a finished job offers: a sentence, a page to open, a file to download.

    ``value`` is for the page that shows the result (a verification's findings);
    ``may_hold_numbers`` marks a result that could hold a number, which one who
    administers or audits never receives (DESIGN.md §4: no path shows them a number).
    """

    summary: tuple[str, str] = ("", "")
    link: str | None = None
    link_label: tuple[str, str] = ("結果を開く", "Open the result")
    download: Download | None = None
    value: Any = field(default=None, repr=False)
    may_hold_numbers: bool = False


class Progress:
    """What the work says of its progress: done so far, of a total when it knows one."""

    def __init__(self, job: Job) -> None:
        self._job = job

    @property
    def job_id(self) -> str:
        """The job's id, for a result page of its own (``/…/{job_id}``)."""
        return self._job.id

    def __call__(self, done: int, total: int | None = None) -> None:
        self._job.done = max(0, done)
        if total is not None:
            self._job.total = max(0, total)


Work = Callable[[Progress], Outcome]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Job:
    id: str
    owner: uuid.UUID
    organisation_id: uuid.UUID
    kind: str
    title: tuple[str, str]
    # The page that started the job, to go back to.
    back: str = "/"
    administers: bool = False
    state: JobState = JobState.QUEUED
    done: int = 0
    total: int | None = None
    queued_at: datetime = field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    outcome: Outcome | None = field(default=None, repr=False)
    failure: tuple[str, str] | None = None
    thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in {JobState.DONE, JobState.FAILED}

    @property
    def percent(self) -> int | None:
        """Of the total, when the work said one; 100 once finished."""
        if self.finished:
            return 100
        if not self.total:
            return None
        return min(99, self.done * 100 // self.total)


class Jobs:
    """The jobs this process runs or has run, each visible to its owner only."""

    def __init__(self, *, workers: int = WORKERS, per_owner: int = PER_OWNER,
                 keep: int = KEEP) -> None:  # fmt: skip
        self.workers, self.per_owner, self.keep = workers, per_owner, keep
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(workers)

    def start(
        self, *, owner: uuid.UUID, organisation_id: uuid.UUID, kind: str,
        title: tuple[str, str], work: Work, back: str = "/", administers: bool = False,
    ) -> Job:  # fmt: skip
        job = Job(secrets.token_urlsafe(16), owner, organisation_id, kind, title, back, administers)
        job.thread = threading.Thread(
            target=self._run, args=(job, work), name=f"mnvault-job-{kind}", daemon=True
        )
        with self._lock:
            unfinished = sum(1 for j in self._jobs.values() if j.owner == owner and not j.finished)
            if unfinished >= self.per_owner:
                raise TooManyJobs()
            self._forget_old()
            self._jobs[job.id] = job
        job.thread.start()
        return job

    def get(self, job_id: str, owner: uuid.UUID, organisation_id: uuid.UUID) -> Job | None:
        """The job, if ``owner`` started it in that organisation; None otherwise, so that
        another person cannot tell a job that exists from one that does not."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner or job.organisation_id != organisation_id:
            return None
        return job

    def of_owner(self, owner: uuid.UUID, organisation_id: uuid.UUID) -> list[Job]:
        """The owner's jobs in that organisation, the newest first."""
        with self._lock:
            mine = [
                j for j in self._jobs.values()
                if j.owner == owner and j.organisation_id == organisation_id
            ]  # fmt: skip
        return sorted(mine, key=lambda j: j.queued_at, reverse=True)

    def wait(self, job_id: str) -> Job:
        """Until the job has finished (for tests and shutdown)."""
        with self._lock:
            job = self._jobs[job_id]
        if job.thread is not None:
            job.thread.join()
        return job

    def drain(self) -> None:
        """Until every job has finished (at shutdown, before the vault is sealed)."""
        with self._lock:
            threads = [j.thread for j in self._jobs.values() if j.thread and not j.finished]
        for thread in threads:
            thread.join()

    def _forget_old(self) -> None:
        finished = sorted(
            (j for j in self._jobs.values() if j.finished),
            key=lambda j: j.finished_at or j.queued_at,
        )
        for job in finished[: max(0, len(self._jobs) - self.keep + 1)]:
            del self._jobs[job.id]

    def _run(self, job: Job, work: Work) -> None:
        with self._slots:
            job.started_at = _now()
            job.state = JobState.RUNNING
            try:
                outcome = work(Progress(job))
                if outcome.may_hold_numbers and job.administers:
                    raise ResultWithheld()
                job.outcome = outcome
                job.finished_at = _now()
                # Last: a page that reads "done" finds the outcome set.
                job.state = JobState.DONE
            except Exception as exc:  # a background thread: nobody else would see it
                if errors.status_of(exc) is None:
                    # An unknown fault: logged (through the redaction filter), and shown
                    # only as "internal error" by the renderer below.
                    log.exception("a background job failed: %s", job.kind)
                job.failure = (errors.message(exc, "ja"), errors.message(exc, "en"))
                job.finished_at = _now()
                job.state = JobState.FAILED


_CREATING = threading.Lock()


def of_app(state: Any) -> Jobs:
    """The app's registry (on ``app.state``: one per app, so tests and servers don't
    share one)."""
    with _CREATING:
        jobs: Jobs | None = getattr(state, "jobs", None)
        if jobs is None:
            jobs = Jobs()
            state.jobs = jobs
    return jobs
