"""The redaction filter: the last line of defence of DESIGN.md invariant 3."""

from __future__ import annotations

import logging
import random

import pytest

from mnvault.logging import RedactNumbers
from mnvault.numbers import generate_my_number


@pytest.fixture
def captured() -> tuple[logging.Logger, list[str]]:
    lines: list[str] = []

    class ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = ListHandler()
    handler.addFilter(RedactNumbers())
    logger = logging.getLogger(f"test-redaction-{random.random()}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, lines


def test_numbers_in_messages_and_arguments_are_masked(captured):
    logger, lines = captured
    number = generate_my_number(random.Random(5))
    logger.info("looked up %s for %s", number, "E001")
    logger.warning(f"raw f-string {number[:4]}-{number[4:8]}-{number[8:]}")
    assert len(lines) == 2
    assert all(number not in line and number[8:] + "," not in line for line in lines)
    assert "[REDACTED:my_number]" in lines[0] and "E001" in lines[0]
    assert "[REDACTED:my_number]" in lines[1]


def test_numbers_in_exception_traces_are_masked(captured):
    logger, lines = captured
    number = generate_my_number(random.Random(6))
    try:
        raise ValueError(f"bad row {number}")
    except ValueError:
        logger.exception("import failed")
    assert number not in "\n".join(lines)
    assert "ValueError" in lines[0]


def test_ordinary_digits_pass_through(captured):
    logger, lines = captured
    logger.info("imported %d persons in %s s; tel 03-1234-5678", 123456, "12.5")
    assert lines == ["imported 123456 persons in 12.5 s; tel 03-1234-5678"]


def test_every_form_the_parser_accepts_is_masked_in_a_log(captured):
    """Issue #11: 3-3-3-3, 4-8, mixed separators and full-width digits in a log line."""
    logger, lines = captured
    number = generate_my_number(random.Random(7))
    wide = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    forms = [
        " ".join(number[i : i + 3] for i in range(0, 12, 3)),
        f"{number[:4]}-{number[4:]}",
        f"{number[:2]}ー{number[2:6]}　{number[6:9]}－{number[9:]}",
        f"{wide[:6]}-{number[6:]}",
    ]
    for form in forms:
        logger.info("reason typed: %s", form)
    assert len(lines) == len(forms)
    for line in lines:
        assert "[REDACTED:my_number]" in line
        assert number not in "".join(c for c in line.translate(str.maketrans(
            "０１２３４５６７８９", "0123456789")) if c.isdigit())  # fmt: skip
