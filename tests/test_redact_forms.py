"""redact() against the parser: every form parse_my_number / parse_corporate_number accept
is redacted inside free text (issue #11, "No number in the trail, logs or free text":
the redactor recognises every form the parser accepts).

The parser (mnvault.numbers.normalise_digits) accepts ASCII and full-width digits, any of
its separators between any two digits (doubled and mixed too), surrounding whitespace.
So a number may be written 3-3-3-3, 4-8, 2-10, one digit at a time, with a hyphen here and
a long vowel mark there. The oracle below is the parser itself: after redaction, no part of
the text that starts and ends with a digit (and is not glued to further digits) parses.
"""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mnvault.numbers import (
    CORPORATE_NUMBER_REDACTION,
    MY_NUMBER_REDACTION,
    generate_corporate_number,
    generate_my_number,
    is_valid_corporate_number,
    is_valid_my_number,
    redact,
)

SEPARATORS = "-\uff0d\u2010\u2011\u2012\u2013\u2212\u30fc \u3000"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DIGIT_CHARS = "0123456789０１２３４５６７８９"


def parsable_parts(text: str) -> list[str]:
    """Every part of ``text`` the parser accepts as a number, bounded by non-digits."""
    found = []
    for start, char in enumerate(text):
        if char not in DIGIT_CHARS or (start and text[start - 1] in DIGIT_CHARS):
            continue
        for end in range(start + 1, len(text) + 1):
            if text[end - 1] not in DIGIT_CHARS or (end < len(text) and text[end] in DIGIT_CHARS):
                continue
            part = text[start:end]
            if is_valid_my_number(part) or is_valid_corporate_number(part):
                found.append(part)
    return found


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(the number as 12 or 13 ASCII digits, the number as someone might write it)."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    corporate = draw(st.booleans())
    number = generate_corporate_number(rng) if corporate else generate_my_number(rng)
    written = ""
    for index, digit in enumerate(number):
        if index:
            written += draw(st.text(st.sampled_from(SEPARATORS), max_size=3))
        written += digit.translate(FULLWIDTH) if draw(st.booleans()) else digit
    return number, written


# Free text around a number: anything but a digit right next to it (a digit glued on makes
# a longer run, which the parser would not read as this number), yet digits and separators
# elsewhere, so that runs of groups before and after are exercised.
AROUND = st.text(st.sampled_from([*"ab。:=\n\t", *SEPARATORS, *"0123456789", "０"]), max_size=16)


@settings(max_examples=400)
@given(written_numbers(), AROUND, AROUND)
@example(("123456789018", "123-456-789-018"), "番号 ", "。")
@example(("123456789018", "1234-56789018"), "", "")
@example(("123456789018", "１２３４ー５６７８－9018"), "x", "")
@example(("123456789018", "1 2 3 4 5 6 7 8 9 0 1 8"), "7 ", " 3")
@example(("7123456789012", "7-1234-5678-9012"), "corp:", "")
def test_no_number_in_any_accepted_form_survives(
    number_written: tuple[str, str], before: str, after: str
) -> None:
    number, written = number_written
    if before and before[-1] in DIGIT_CHARS:
        before += "a"
    if after and after[0] in DIGIT_CHARS:
        after = "a" + after
    text = before + written + after
    assert written in parsable_parts(text)  # the oracle sees the number
    result = redact(text)
    assert parsable_parts(result) == []
    assert number not in result.translate(str.maketrans("", "", SEPARATORS))
    assert MY_NUMBER_REDACTION in result or CORPORATE_NUMBER_REDACTION in result
    assert redact(result) == result


@settings(max_examples=400)
@given(st.text(st.sampled_from([*DIGIT_CHARS, *SEPARATORS, "a", "."]), max_size=60))
def test_nothing_the_parser_accepts_survives_in_dense_text(text: str) -> None:
    assert parsable_parts(redact(text)) == []


ORDINARY = [
    "2026-12-07 02:21:33,123 INFO took 12.5 ms",
    "電話 03-1234-5678 / 090-1234-5678 / 0120-123-456",
    "〒100-0013 東京都千代田区霞が関1-2-3",
    "1234-5678-9017",  # check digit wrong
    "注文番号 2025 0115 0001",
]


def test_ordinary_text_with_digits_stays() -> None:
    for text in ORDINARY:
        assert redact(text) == text
