"""mnvault.numbers against the check-digit ordinances.

Sources (the ordinances themselves are not in /work/shared/legal; the act is):
- 個人番号: 番号法 第2条第5項 (definition) and 第8条第2項 (generated 「政令で定めるところにより」);
  番号法施行令 第8条 (11 digits + 1 check digit); 総務省令 (通知カード及び個人番号カード並びに
  情報提供ネットワークシステムによる特定個人情報の提供等に関する省令) 第5条 (the formula).
- 法人番号: 番号法 第2条第16項, 第39条; 法人番号の指定等に関する省令 第2条 (the formula; the check
  digit comes first).

The reference functions below transcribe the two formulas literally (P_n counted from the right,
Q_n as the ordinances define it) and serve as the oracle for the optimised module.
"""

from __future__ import annotations

import pickle
import random
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mnvault.numbers import (
    CORPORATE_NUMBER_REDACTION,
    MY_NUMBER_REDACTION,
    InvalidNumber,
    Reason,
    corporate_number_check_digit,
    generate_corporate_number,
    generate_my_number,
    generate_my_numbers,
    is_valid_corporate_number,
    is_valid_my_number,
    mask,
    my_number_check_digit,
    normalise_digits,
    parse_corporate_number,
    parse_my_number,
    redact,
)

DIGITS = "0123456789"
FULLWIDTH = "０１２３４５６７８９"
SEPARATORS = "-\uff0d\u2010\u2011\u2012\u2013\u2212\u30fc \u3000"


def my_number_sum_mod_11(base: str) -> int:
    """総務省令 第5条: Σ_{n=1..11} Pn×Qn mod 11, Qn = n+1 (n ≤ 6), n−5 (7 ≤ n ≤ 11)."""
    assert len(base) == 11
    total = 0
    for n in range(1, 12):
        p = int(base[-n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    return total % 11


def reference_my_number_check(base: str) -> int:
    """総務省令 第5条: 11 − remainder, and 0 when the remainder is 0 or 1."""
    remainder = my_number_sum_mod_11(base)
    return 0 if remainder <= 1 else 11 - remainder


def reference_corporate_check(base: str) -> int:
    """法人番号の指定等に関する省令 第2条: 9 − (Σ_{n=1..12} Pn×Qn mod 9), Qn = 1 odd, 2 even."""
    assert len(base) == 12
    total = sum(int(base[-n]) * (1 if n % 2 else 2) for n in range(1, 13))
    return 9 - total % 9


def to_fullwidth(text: str) -> str:
    return text.translate(str.maketrans(DIGITS, FULLWIDTH))


def assert_no_leak(exc: InvalidNumber, raw: str) -> None:
    """Bilingual, and the only numbers in the message are lengths and the position."""
    text = str(exc)
    assert text == f"{exc.message_ja} / {exc.message_en}"
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", exc.message_ja)
    assert exc.message_en.isascii()
    allowed = {"11", "12", "13", str(exc.position)}
    if exc.reason is Reason.LENGTH:
        allowed.add(str(len(normalise_digits(raw))))
    for rendering in (text, repr(exc), *map(str, exc.args)):
        runs = set(re.findall(r"[0-9０-９]+", rendering))
        assert runs <= allowed, rendering
    stripped = raw.strip()
    if sum(char.isdigit() for char in stripped) >= 3:
        assert stripped not in text
    assert exc.__context__ is None
    assert exc.__cause__ is None


# --- check digits ----------------------------------------------------------------------------

# (base, check digit, why). Small bases are checked by hand: weights 2 and 3 sit on the last two
# base digits for the individual number, 1 and 2 for the corporate number.
MY_NUMBER_CHECK_DIGITS = [
    ("12345678901", 8, "worked example: Σ = 212, 212 mod 11 = 3, 11 − 3 = 8"),
    ("00000000000", 0, "Σ = 0: remainder 0 gives 0 (総務省令 第5条)"),
    ("00000000006", 0, "Σ = 6×2 = 12, remainder 1 also gives 0"),
    ("00000000001", 9, "Σ = 2, 11 − 2 = 9"),
    ("00000000005", 1, "Σ = 10, 11 − 10 = 1"),
    ("00000000010", 8, "Σ = 1×3 = 3, 11 − 3 = 8"),
    ("10000000000", 5, "P11 has Q11 = 11 − 5 = 6: Σ = 6, 11 − 6 = 5"),
    ("00000100000", 4, "P6 has Q6 = 7: Σ = 7, 11 − 7 = 4"),
]

CORPORATE_CHECK_DIGITS = [
    ("123456789012", 7, "worked example: Σ = 74, 74 mod 9 = 2, 9 − 2 = 7"),
    ("000000000000", 9, "Σ = 0: 9 − 0 = 9, so the check digit is never 0"),
    ("000000000001", 8, "P1 has Q1 = 1: Σ = 1, 9 − 1 = 8"),
    ("000000000010", 7, "P2 has Q2 = 2: Σ = 2, 9 − 2 = 7"),
    ("000000000009", 9, "Σ = 9 ≡ 0: same as all zeros, the 0↔9 blind spot"),
    ("000012050002", 7, "Σ = 2 + 5 + 2 + 1×2 = 11, 9 − 2 = 7"),
]


@pytest.mark.parametrize(("base", "check", "why"), MY_NUMBER_CHECK_DIGITS)
def test_my_number_check_digit_table(base: str, check: int, why: str) -> None:
    assert reference_my_number_check(base) == check, why
    assert my_number_check_digit(base) == check, why
    assert parse_my_number(base + str(check)) == base + str(check)


@pytest.mark.parametrize(("base", "check", "why"), CORPORATE_CHECK_DIGITS)
def test_corporate_check_digit_table(base: str, check: int, why: str) -> None:
    assert reference_corporate_check(base) == check, why
    assert corporate_number_check_digit(base) == check, why
    assert parse_corporate_number(str(check) + base) == str(check) + base


def test_worked_examples() -> None:
    # 個人番号: the check digit is the 12th digit (番号法施行令 第8条).
    assert is_valid_my_number("123456789018")
    # 法人番号: the check digit is the 1st of 13 (法人番号の指定等に関する省令 第2条).
    assert is_valid_corporate_number("7123456789012")
    assert not is_valid_corporate_number("1234567890127")


@pytest.mark.parametrize(
    ("base", "reason"),
    [
        ("1234567890", Reason.LENGTH),
        ("123456789012", Reason.LENGTH),
        ("1234567890a", Reason.NON_DIGIT),
    ],
)
def test_my_number_check_digit_rejects_bad_base(base: str, reason: Reason) -> None:
    with pytest.raises(InvalidNumber) as info:
        my_number_check_digit(base)
    assert info.value.reason is reason
    assert_no_leak(info.value, base)


def test_corporate_check_digit_rejects_bad_base() -> None:
    with pytest.raises(InvalidNumber) as info:
        corporate_number_check_digit("12345678901")
    assert info.value.reason is Reason.LENGTH
    assert_no_leak(info.value, "12345678901")


@given(st.text(DIGITS, min_size=11, max_size=11))
def test_my_number_check_digit_matches_reference(base: str) -> None:
    assert my_number_check_digit(base) == reference_my_number_check(base)


@given(st.text(DIGITS, min_size=12, max_size=12))
def test_corporate_check_digit_matches_reference(base: str) -> None:
    assert corporate_number_check_digit(base) == reference_corporate_check(base)


# --- parsing -----------------------------------------------------------------------------------

VALID_MY_NUMBER_SPELLINGS = [
    ("123456789018", "plain ASCII"),
    ("１２３４５６７８９０１８", "full-width digits"),
    ("1234-5678-9018", "hyphen, 4-4-4"),
    ("1234 5678 9018", "ASCII space"),
    ("1234　5678　9018", "ideographic space U+3000"),
    ("1234－5678－9018", "full-width hyphen U+FF0D"),
    ("1234ー5678ー9018", "katakana prolonged mark U+30FC, typed for a hyphen"),
    ("1234\u20105678\u20119018", "hyphen U+2010 and non-breaking hyphen U+2011"),
    ("1234\u20125678\u20139018", "figure dash U+2012 and en dash U+2013"),
    ("1234\u22125678\u22129018", "minus sign U+2212"),
    ("１２３４－５６７８－９０１８", "full-width digits and hyphens"),
    ("  123456789018\n", "surrounding whitespace"),
    ("\u3000123456789018\u3000", "surrounding ideographic space"),
    ("1234--5678 - 9018", "doubled and mixed separators inside are tolerated"),
    ("12-34567890-18", "any grouping"),
]


@pytest.mark.parametrize(("raw", "why"), VALID_MY_NUMBER_SPELLINGS)
def test_parse_my_number_spellings(raw: str, why: str) -> None:
    assert parse_my_number(raw) == "123456789018", why
    assert is_valid_my_number(raw)


# (input, reason, position, why). Positions are 1-based in the raw input.
INVALID_MY_NUMBERS = [
    ("", Reason.EMPTY, None, "nothing"),
    ("   ", Reason.EMPTY, None, "only whitespace"),
    ("\u3000\t", Reason.EMPTY, None, "only ideographic space and a tab"),
    ("1234a678901", Reason.NON_DIGIT, 5, "a letter, checked before the length"),
    ("12345678901x", Reason.NON_DIGIT, 12, "a letter at the end"),
    ("ABCDEFGHIJKL", Reason.NON_DIGIT, 1, "letters only"),
    ("+81123456789018", Reason.NON_DIGIT, 1, "a plus sign"),
    ("1234.5678.9018", Reason.NON_DIGIT, 5, "full stop is not a separator"),
    ("1234\t5678\t9018", Reason.NON_DIGIT, 5, "tab is not a separator"),
    ("1234/5678/9018", Reason.NON_DIGIT, 5, "slash is not a separator"),
    ("1234—5678—9018", Reason.NON_DIGIT, 5, "em dash U+2014 is not in the list"),
    ("١٢٣٤٥٦٧٨٩٠١٨", Reason.NON_DIGIT, 1, "Arabic-Indic digits"),
    ("12345678901²", Reason.NON_DIGIT, 12, "superscript two: str.isdigit() but not a digit here"),
    ("-123456789018", Reason.NON_DIGIT, 1, "separator at the start"),
    ("123456789018-", Reason.NON_DIGIT, 13, "separator at the end"),
    (" -123456789018", Reason.NON_DIGIT, 2, "position counts the stripped whitespace"),
    ("\u3000 1234a6789018", Reason.NON_DIGIT, 7, "so does a letter's position"),
    ("ー", Reason.NON_DIGIT, 1, "a lone separator"),
    ("12345678901", Reason.LENGTH, None, "11 digits"),
    ("1234567890180", Reason.LENGTH, None, "13 digits"),
    ("1234-5678-901", Reason.LENGTH, None, "11 digits once separators go"),
    ("123456789019", Reason.CHECK_DIGIT, None, "last digit off by one"),
    ("123456789010", Reason.CHECK_DIGIT, None, "0 where 8 is due"),
    ("１２３４５６７８９０１９", Reason.CHECK_DIGIT, None, "full-width, wrong check digit"),
    ("1234-5678-9017", Reason.CHECK_DIGIT, None, "grouped, wrong check digit"),
]


@pytest.mark.parametrize(("raw", "reason", "position", "why"), INVALID_MY_NUMBERS)
def test_parse_my_number_rejects(raw: str, reason: Reason, position: int | None, why: str) -> None:
    with pytest.raises(InvalidNumber) as info:
        parse_my_number(raw)
    exc = info.value
    assert exc.reason is reason, why
    assert exc.position == position, why
    assert_no_leak(exc, raw)
    assert not is_valid_my_number(raw)


def test_error_messages_exact() -> None:
    cases = {
        "12345678901": "桁数が正しくありません（12桁必要、入力は11桁） / "
        "wrong length (12 digits required, got 11)",
        "1234a6789018": "数字以外の文字が含まれています（5文字目） / "
        "non-digit character (position 5)",
        "123456789019": "チェックデジットが一致しません / check digit does not match",
        "": "番号が入力されていません / no number given",
    }
    for raw, message in cases.items():
        with pytest.raises(InvalidNumber, match=re.escape(message)):
            parse_my_number(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("7123456789012", None),
        ("７１２３４５６７８９０１２", None),
        ("7-1234-5678-9012", None),
        ("", Reason.EMPTY),
        ("7123456789O12", Reason.NON_DIGIT),  # letter O for zero
        ("123456789012", Reason.LENGTH),
        ("71234567890123", Reason.LENGTH),
        ("1123456789012", Reason.CHECK_DIGIT),
        ("0123456789012", Reason.CHECK_DIGIT),  # the check digit is never 0
    ],
)
def test_parse_corporate_number(raw: str, reason: Reason | None) -> None:
    if reason is None:
        assert parse_corporate_number(raw) == "7123456789012"
        return
    with pytest.raises(InvalidNumber) as info:
        parse_corporate_number(raw)
    assert info.value.reason is reason
    assert_no_leak(info.value, raw)
    assert not is_valid_corporate_number(raw)


def test_corporate_length_message_names_13() -> None:
    with pytest.raises(InvalidNumber, match=re.escape("13桁必要、入力は12桁")):
        parse_corporate_number("123456789012")


def test_invalid_number_is_value_error_and_pickles() -> None:
    with pytest.raises(ValueError, match="check digit") as info:
        parse_my_number("123456789019")
    original = info.value
    assert isinstance(original, InvalidNumber)
    copy = pickle.loads(pickle.dumps(original))  # noqa: S301 - our own bytes, just made
    assert isinstance(copy, InvalidNumber)
    assert (copy.reason, copy.message_ja, copy.message_en, copy.position) == (
        original.reason,
        original.message_ja,
        original.message_en,
        original.position,
    )
    assert str(copy) == str(original)


@given(st.text(max_size=40))
@example("1234a6789018")
@example("１２３４５６７８９０")
def test_errors_never_leak_arbitrary_input(raw: str) -> None:
    for parse in (parse_my_number, parse_corporate_number):
        try:
            parse(raw)
        except InvalidNumber as exc:
            assert_no_leak(exc, raw)


@given(st.text(DIGITS, min_size=11, max_size=11), st.data())
def test_fast_and_slow_paths_agree(base: str, data: st.DataObject) -> None:
    number = base + str(reference_my_number_check(base))
    sep = data.draw(st.sampled_from(SEPARATORS))
    spellings = [
        f" {number} ",
        to_fullwidth(number),
        f"{number[:4]}{sep}{number[4:8]}{sep}{number[8:]}",
    ]
    for spelling in spellings:
        assert parse_my_number(spelling) == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３", "123"),
        ("1-2", "12"),
        ("1ーー2", "12"),
        ("  0 0 0  ", "000"),
    ],
)
def test_normalise_digits(raw: str, expected: str) -> None:
    assert normalise_digits(raw) == expected


# --- what the check digits detect --------------------------------------------------------------


@given(st.text(DIGITS, min_size=11, max_size=11))
@example("00000000000")  # remainder 0: a change to remainder 1 goes unnoticed
@example("00000000006")  # remainder 1
def test_my_number_single_digit_changes(base: str) -> None:
    """Weights 2..7 are coprime to 11, so every change of one base digit (by 1..9) changes
    Σ mod 11. The check digit maps remainders 0 and 1 both to 0, so exactly the changes that
    move the remainder between 0 and 1 go undetected. A changed check digit always shows."""
    number = base + str(reference_my_number_check(base))
    assert is_valid_my_number(number)
    old_remainder = my_number_sum_mod_11(base)
    for index in range(11):
        for digit in DIGITS:
            if digit == base[index]:
                continue
            new_base = base[:index] + digit + base[index + 1 :]
            new_remainder = my_number_sum_mod_11(new_base)
            assert new_remainder != old_remainder
            undetected = old_remainder in (0, 1) and new_remainder in (0, 1)
            assert is_valid_my_number(new_base + number[11]) == undetected
    for digit in DIGITS:
        if digit != number[11]:
            assert not is_valid_my_number(base + digit)


def test_my_number_blind_spot_exists() -> None:
    # "00000000000" has remainder 0; "00000000006" has Σ = 12, remainder 1. Both check to 0.
    assert is_valid_my_number("000000000000")
    assert is_valid_my_number("000000000060")


@given(st.text(DIGITS, min_size=12, max_size=12))
@example("000000000000")
def test_corporate_single_digit_changes(base: str) -> None:
    """Mod 9 with weights 1 and 2: a change d → d' at weight w goes undetected iff
    w·(d − d') ≡ 0 (mod 9), which for w ∈ {1, 2} means 0 ↔ 9. A changed check digit always
    shows (it is never 0, and 1..9 are distinct)."""
    number = str(reference_corporate_check(base)) + base
    assert is_valid_corporate_number(number)
    for index in range(12):
        weight = 1 if (12 - index) % 2 else 2
        for digit in DIGITS:
            if digit == base[index]:
                continue
            new_number = number[0] + base[:index] + digit + base[index + 1 :]
            undetected = weight * (int(base[index]) - int(digit)) % 9 == 0
            assert undetected == ({base[index], digit} == {"0", "9"})
            assert is_valid_corporate_number(new_number) == undetected
    for digit in DIGITS:
        if digit != number[0]:
            assert not is_valid_corporate_number(digit + base)


# --- generation --------------------------------------------------------------------------------


@given(st.randoms(use_true_random=False))
def test_generated_numbers_validate(rng: random.Random) -> None:
    for _ in range(20):
        my_number = generate_my_number(rng)
        assert len(my_number) == 12
        assert my_number[0] != "0"
        assert parse_my_number(my_number) == my_number
        corporate = generate_corporate_number(rng)
        assert len(corporate) == 13
        assert parse_corporate_number(corporate) == corporate


def test_generate_my_numbers_is_deterministic_by_seed() -> None:
    first = list(generate_my_numbers(500, seed=42))
    assert first == list(generate_my_numbers(500, seed=42))
    assert first != list(generate_my_numbers(500, seed=43))
    assert all(map(is_valid_my_number, first))
    assert len(set(first)) == 500
    assert list(generate_my_numbers(0, seed=1)) == []


def test_generate_my_numbers_never_repeats() -> None:
    # At 300,000 independent draws a repeat would be likely (birthday bound over 9x10^10);
    # the permutation makes it impossible. (A million-person benchmark once met 8.)
    many = list(generate_my_numbers(300_000, seed=7))
    assert len(set(many)) == len(many)
    assert all(n[0] != "0" for n in many[:1000])


# --- masking -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "visible", "expected"),
    [
        ("123456789018", 4, "********9018"),
        ("123456789018", 0, "************"),
        ("123456789018", 1, "***********8"),
        ("7123456789012", 4, "*********9012"),
        ("7123456789012", 0, "*************"),
    ],
)
def test_mask(number: str, visible: int, expected: str) -> None:
    assert mask(number, visible) == expected


def test_mask_default_shows_four() -> None:
    assert mask("123456789018") == "********9018"


@pytest.mark.parametrize(
    ("number", "visible"),
    [
        ("123456789018", 5),
        ("123456789018", -1),
        ("12345", 4),
        ("1234-5678-9018", 4),
        ("１２３４５６７８９０１８", 4),
    ],
)
def test_mask_rejects(number: str, visible: int) -> None:
    with pytest.raises(ValueError, match=r"visible must be|parsed number") as info:
        mask(number, visible)
    assert not re.search(r"[0-9０-９]{3}", str(info.value))


# --- redaction (DESIGN.md invariant 3, the logging filter's last line of defence) ---------------

REDACTED = [
    ("123456789018", MY_NUMBER_REDACTION),
    ("id=123456789018,", f"id={MY_NUMBER_REDACTION},"),
    ("person 123456789018 read", f"person {MY_NUMBER_REDACTION} read"),
    ("abc123456789018xyz", f"abc{MY_NUMBER_REDACTION}xyz"),
    ("1234-5678-9018", MY_NUMBER_REDACTION),
    ("番号は1234 5678 9018です", f"番号は{MY_NUMBER_REDACTION}です"),
    ("1234　5678　9018", MY_NUMBER_REDACTION),
    ("1234ー5678ー9018", MY_NUMBER_REDACTION),
    ("番号 1234 - 5678 - 9018 確認", f"番号 {MY_NUMBER_REDACTION} 確認"),
    ("１２３４５６７８９０１８", MY_NUMBER_REDACTION),
    ("番号：１２３４－５６７８－９０１８。", f"番号：{MY_NUMBER_REDACTION}。"),
    ("a=123456789018 b=000000000060", f"a={MY_NUMBER_REDACTION} b={MY_NUMBER_REDACTION}"),
    ("corp=7123456789012;", f"corp={CORPORATE_NUMBER_REDACTION};"),
    ("７１２３４５６７８９０１２", CORPORATE_NUMBER_REDACTION),
    ("[123456789018]\n[7123456789012]", f"[{MY_NUMBER_REDACTION}]\n[{CORPORATE_NUMBER_REDACTION}]"),
]


@pytest.mark.parametrize(("text", "expected"), REDACTED)
def test_redact_masks_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected


UNTOUCHED = [
    ("123456789019", "12 digits, check digit wrong"),
    ("1234567890180", "a valid individual number inside a longer run, not a valid corporate one"),
    ("91234567890180", "14 digits"),
    ("4123456789018", "13 digits, not a valid corporate number"),
    ("91123456789018", "14 digits ending in a valid corporate number"),
    ("51234 5678 9018", "5-4-4: the first group runs on from another digit"),
    ("1234-5678-9017", "grouped, check digit wrong"),
    ("2025-01-15", "a date"),
    ("20250115", "a compact date"),
    ("2025-01-15T09:30:12.345+09:00", "an ISO timestamp"),
    ("03-1234-5678", "a Tokyo phone number"),
    ("090-1234-5678", "a mobile phone number"),
    ("0120-123-456", "a toll-free number"),
    ("〒100-0013", "a postal code"),
    ("12345678901", "11 digits"),
    ("request_id=7f3a9c2e org=12 took 12.5 ms", "short digit runs"),
]


@pytest.mark.parametrize(("text", "why"), UNTOUCHED)
def test_redact_leaves_other_digits(text: str, why: str) -> None:
    assert redact(text) == text, why


def test_untouched_table_really_has_no_valid_numbers() -> None:
    assert not is_valid_corporate_number("4123456789018")
    assert not is_valid_corporate_number("1234567890180")
    assert is_valid_corporate_number("1123456789018")
    assert is_valid_my_number("123456789018")


@given(
    st.text(DIGITS, min_size=11, max_size=11),
    st.text(st.characters(exclude_categories=["Nd"]), max_size=20),
    st.text(st.characters(exclude_categories=["Nd"]), max_size=20),
    st.sampled_from(["plain", "fullwidth", "grouped"]),
    st.sampled_from(SEPARATORS),
)
def test_redact_catches_embedded_numbers(
    base: str, before: str, after: str, spelling: str, sep: str
) -> None:
    number = base + str(reference_my_number_check(base))
    if spelling == "fullwidth":
        written = to_fullwidth(number)
    elif spelling == "grouped":
        written = f"{number[:4]}{sep}{number[4:8]}{sep}{number[8:]}"
    else:
        written = number
    result = redact(before + written + after)
    assert MY_NUMBER_REDACTION in result
    assert number not in result
    assert written not in result
    assert redact(result) == result


@given(st.text(max_size=60))
def test_redact_is_idempotent(text: str) -> None:
    once = redact(text)
    assert redact(once) == once
