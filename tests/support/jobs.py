"""Screens whose long actions run in the background (issue #18): follow a form's answer to
the job's status page, wait for the job (joined, never sampled), read the page again."""

from __future__ import annotations

import re

import httpx

from mnvault.jobs.registry import Job, of_app
from tests.support.web import Browser

JOB_PAGE = re.compile(r"/jobs/([A-Za-z0-9_-]{16,})")


def job_id_of(answer: httpx.Response) -> str:
    """The job a form started: its POST answered 303 to /jobs/{id}, which the client followed."""
    found = JOB_PAGE.fullmatch(answer.url.path)
    assert found, (answer.status_code, answer.url, answer.text[:500])
    assert answer.history and answer.history[0].status_code == 303, answer.history
    return found.group(1)


def finished(browser: Browser, answer: httpx.Response) -> tuple[Job, httpx.Response]:
    """The job behind ``answer`` once finished, and its status page then."""
    job = of_app(browser.api.app.state).wait(job_id_of(answer))
    page = browser.get(f"/jobs/{job.id}")
    assert page.status_code == 200, page.text
    return job, page


def result_of(browser: Browser, answer: httpx.Response) -> httpx.Response:
    """The file the finished job offers, else the page it links to."""
    job, page = finished(browser, answer)
    assert 'data-state="done"' in page.text, page.text
    if 'id="job-download"' in page.text:
        return browser.get(f"/jobs/{job.id}/download")
    link = re.search(r'id="job-link" href="([^"]+)"', page.text)
    assert link, page.text
    return browser.get(link.group(1))
