"""An error a command prints is rendered by the one error renderer, which masks numbers."""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.test_cli_flow import Deployment, deployment  # noqa: F401 - the fixture


def test_an_unknown_external_id_that_looks_like_a_number_is_masked(deployment: Deployment):  # noqa: F811
    """Issue #12 "One error model" (and #11): `mnvault person show 123456789018`, an
    unknown external id that validates as an individual number, prints ********9018 in
    its error line, never the digits."""
    code, output = deployment.clerk("person", "show", "123456789018")
    assert code == 1
    assert "********9018" in output
    assert "123456789018" not in output
    assert "見つかりません" in output and "not found" in output

    number = generate_my_number(random.Random(12))
    code, output = deployment.clerk("person", "show", number)
    assert code == 1
    assert "*" * 8 + number[-4:] in output and number not in output
