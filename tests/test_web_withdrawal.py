"""The person page's form to withdraw an affair acquired by mistake (issue #5; 事業者編
第4-3-(3)B): offered to a manager only and only while two affairs or more are held; a
refusal comes back on the page as a bilingual error; no number on any page."""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.api_support import DEPENDENT_DECLARATION, SLIP
from tests.conftest import MaskedStr
from tests.support.web import register_person as _register
from tests.web_support import Web, csrf_of, web

__all__ = ["web"]


def test_a_manager_withdraws_a_mistaken_affair_on_the_person_page(web: Web):
    number = MaskedStr(generate_my_number(random.Random(77)))
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E700")
    page = f"/persons/{person_id}"
    token = csrf_of(clerk.get(f"{page}/acquire").text)
    acquired = clerk.client.post(
        f"{page}/acquire",
        data={"csrf_token": token, "my_number": number, "affairs": [SLIP, DEPENDENT_DECLARATION],
              "number_check_document": "my_number_card",
              "identity_check_document": "my_number_card"},
    )  # fmt: skip
    assert acquired.url.path == page, acquired.text
    assert 'id="withdraw"' not in clerk.get(page).text  # a clerk is not offered the form

    manager = web.browser()
    manager.sign_in("manager")
    shown = manager.get(page)
    assert 'id="withdraw"' in shown.text
    empty = manager.submit(page, f"{page}/withdraw-affair", {"affair": DEPENDENT_DECLARATION})
    assert empty.status_code == 422 and 'id="withdraw-error"' in empty.text
    done = manager.submit(
        page, f"{page}/withdraw-affair", {"affair": DEPENDENT_DECLARATION, "reason": "対象外"}
    )
    assert done.url.path == page
    assert 'id="withdraw"' not in done.text  # one affair left: the answer is disposal
    # Issue #18: the affairs read as names; their codes stay in the attribute.
    assert f'data-affairs="{DEPENDENT_DECLARATION},{SLIP}"' in shown.text
    assert f'data-affairs="{SLIP}"' in done.text  # acquired for: the slip only
    last = manager.submit(page, f"{page}/withdraw-affair", {"affair": SLIP, "reason": "対象外"})
    assert last.status_code == 422 and 'id="withdraw-error"' in last.text
    for text in (shown.text, empty.text, done.text, last.text):
        assert number not in text
