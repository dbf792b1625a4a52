"""The status pages of long actions (処理状況) and the helper screens use to start one.

A screen's POST hands :func:`start` a function of the caller's context that calls the
same service the page used to call in the request; the person is sent (303) to
``/jobs/{id}``, which reloads itself while the job is queued or running, then offers the
result: a page to open or a file to download. Only the person who started a job sees it;
anyone else gets 404, so a job's id is never confirmed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from fastapi import APIRouter, Depends, Request, Response

from mnvault.access.policy.table import NUMBER_BLIND_ROLES
from mnvault.context import Context
from mnvault.jobs.registry import Job, Jobs, JobState, Outcome, Progress, of_app
from mnvault.web.pages import PageNotFound, PageRoute, redirect, render
from mnvault.web.security import finish, require_csrf
from mnvault.web.signed_in import PageCall, Viewer, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])

ContextWork = Callable[[Context, Progress], Outcome]


def jobs_of(request: Request) -> Jobs:
    return of_app(request.app.state)


def _administers(viewer: Viewer) -> bool:
    return any(viewer.has(role) for role in NUMBER_BLIND_ROLES)


def start(
    request: Request, *, kind: str, title: tuple[str, str], back: str, work: ContextWork
) -> Response:
    """Start ``work`` with the caller's context in the background; to its status page."""

    def who(call: PageCall) -> tuple[Context, Viewer]:
        return call.context, call.viewer

    context, viewer = call(request, who)
    job = jobs_of(request).start(
        owner=viewer.user_id, organisation_id=viewer.organisation_id, kind=kind, title=title,
        work=functools.partial(work, context), back=back, administers=_administers(viewer),
    )  # fmt: skip
    return redirect(request, f"/jobs/{job.id}")


def own_job(request: Request, job_id: str, kind: str | None = None) -> Job:
    """The viewer's own job (of ``kind`` when given), or the page-not-found error."""

    def viewer(call: PageCall) -> Viewer:
        return call.viewer

    who = call(request, viewer)
    job = jobs_of(request).get(job_id[:64], who.user_id, who.organisation_id)
    if job is None or (kind is not None and job.kind != kind):
        raise PageNotFound()
    return job


@router.get("/jobs")
def job_list(request: Request) -> Response:
    def viewer(call: PageCall) -> Viewer:
        return call.viewer

    who = call(request, viewer)
    listed = jobs_of(request).of_owner(who.user_id, who.organisation_id)
    return render(request, "jobs/list.html", {"jobs": listed})


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    job = own_job(request, job_id)
    # The state first: the thread sets the outcome before it marks the job done.
    state = job.state
    values = {"job": job, "state": str(state), "running": state in RUNNING}
    return render(request, "jobs/job.html", values)


RUNNING = frozenset({JobState.QUEUED, JobState.RUNNING})


@router.get("/jobs/{job_id}/download")
def download(request: Request, job_id: str) -> Response:
    job = own_job(request, job_id)
    outcome = job.outcome if job.state == JobState.DONE else None
    if outcome is None or outcome.download is None:
        raise PageNotFound()
    if outcome.may_hold_numbers and job.administers:  # the registry withholds it too
        raise PageNotFound()
    made = outcome.download
    response = Response(
        made.content, media_type=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )  # fmt: skip
    return finish(request, response)
