"""A number typed into a free-text field of the API is refused with a bilingual problem
that names the field and never echoes the text (issue #11, "No number in the trail, logs
or free text")."""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number, redact
from tests.api_support import Api, api, bearer

__all__ = ["api"]  # the fixture, imported so that pytest finds it here


def test_a_number_in_a_name_is_refused_bilingually(api: Api) -> None:
    number = generate_my_number(random.Random(3))
    spaced = " ".join(number[i : i + 3] for i in range(0, 12, 3))  # 3-3-3-3
    clerk = api.full_session("clerk")
    for typed in (f"山田 {number}", f"山田 {spaced}"):
        response = api.client.post(
            "/api/v1/persons", headers=bearer(clerk),
            json={"kind": "employee", "external_ref": "T1", "name": typed},
        )  # fmt: skip
        assert response.status_code == 422, response.text
        body = response.json()
        assert "番号" in body["title_ja"] and "number" in body["title"]
        assert "氏名" in response.text and "name" in response.text
        assert redact(response.text) == response.text
        assert number not in response.text.replace(" ", "")
