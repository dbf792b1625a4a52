"""Individual numbers (個人番号) and corporate numbers (法人番号): parse, validate, mask,
generate and redact.

Sources:
- 番号法 (行政手続における特定の個人を識別するための番号の利用等に関する法律) 第2条第5項 defines
  個人番号 as a number obtained by converting the 住民票コード; 第8条第2項 has the number generated
  「政令で定めるところにより」. That 政令 (番号法施行令 第8条) makes it eleven digits followed by
  one check digit computed by the formula of the 総務省令 (通知カード及び個人番号カード並びに
  情報提供ネットワークシステムによる特定個人情報の提供等に関する省令) 第5条.
- 番号法 第2条第16項 and 第39条 define 法人番号; 法人番号の指定等に関する省令 第2条 gives its
  check digit, which comes first, before a twelve-digit base.

Nothing here does I/O or imports other mnvault modules: every layer, including the logging
redaction filter, can use it. No error message ever contains the input (DESIGN.md invariant 3).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator
from enum import StrEnum
from operator import mul
from typing import Any

__all__ = [
    "CORPORATE_NUMBER_REDACTION",
    "MY_NUMBER_REDACTION",
    "InvalidNumber",
    "Reason",
    "corporate_number_check_digit",
    "generate_corporate_number",
    "generate_my_number",
    "generate_my_numbers",
    "is_valid_corporate_number",
    "is_valid_my_number",
    "mask",
    "mask_numbers",
    "my_number_check_digit",
    "normalise_digits",
    "parse_corporate_number",
    "parse_my_number",
    "redact",
]

MY_NUMBER_LENGTH = 12
CORPORATE_NUMBER_LENGTH = 13
MY_NUMBER_REDACTION = "[REDACTED:my_number]"
CORPORATE_NUMBER_REDACTION = "[REDACTED:corporate_number]"
MASK_CHAR = "*"
# Four is the most a screen ever needs to tell numbers apart; more would help a guesser.
MAX_VISIBLE = 4


class Reason(StrEnum):
    EMPTY = "empty"
    NON_DIGIT = "non_digit"
    LENGTH = "length"
    CHECK_DIGIT = "check_digit"


class InvalidNumber(ValueError):
    """A number failed to parse. The messages name the problem, never the input."""

    def __init__(
        self, reason: Reason, message_ja: str, message_en: str, position: int | None = None
    ) -> None:
        super().__init__(f"{message_ja} / {message_en}")
        self.reason = reason
        self.message_ja = message_ja
        self.message_en = message_en
        self.position = position

    def __reduce__(self) -> tuple[type[InvalidNumber], tuple[Reason, str, str, int | None]]:
        # Bulk imports may raise this in worker processes; the default reduce would call
        # __init__ with the joined message only.
        return type(self), (self.reason, self.message_ja, self.message_en, self.position)


def _empty() -> InvalidNumber:
    return InvalidNumber(Reason.EMPTY, "番号が入力されていません", "no number given")


def _non_digit(position: int) -> InvalidNumber:
    return InvalidNumber(
        Reason.NON_DIGIT,
        f"数字以外の文字が含まれています（{position}文字目）",
        f"non-digit character (position {position})",
        position,
    )


def _misplaced_separator(position: int) -> InvalidNumber:
    return InvalidNumber(
        Reason.NON_DIGIT,
        f"区切り文字は数字と数字の間にだけ使えます（{position}文字目）",
        f"a separator may only stand between digits (position {position})",
        position,
    )


def _wrong_length(required: int, got: int) -> InvalidNumber:
    return InvalidNumber(
        Reason.LENGTH,
        f"桁数が正しくありません（{required}桁必要、入力は{got}桁）",
        f"wrong length ({required} digits required, got {got})",
    )


def _check_digit_mismatch() -> InvalidNumber:
    return InvalidNumber(
        Reason.CHECK_DIGIT, "チェックデジットが一致しません", "check digit does not match"
    )


# ー (U+30FC) is what a Japanese IME often produces when a user types a hyphen.
_SEPARATORS = "-\uff0d\u2010\u2011\u2012\u2013\u2212\u30fc \u3000"
_FULLWIDTH_DIGITS = "０１２３４５６７８９"
_NORMALISE = str.maketrans(_FULLWIDTH_DIGITS, "0123456789", _SEPARATORS)


def normalise_digits(raw: str) -> str:
    """Full-width digits to ASCII, separators between digits removed, surrounding
    whitespace stripped. Separators at either end are an error; doubled ones are not."""
    text = raw.strip()
    if not text:
        raise _empty()
    digits = text.translate(_NORMALISE)
    if (
        digits.isascii()
        and digits.isdigit()
        and text[0] not in _SEPARATORS
        and text[-1] not in _SEPARATORS
    ):
        return digits
    offset = len(raw) - len(raw.lstrip()) + 1
    last = len(text) - 1
    for index, char in enumerate(text):
        if char in _SEPARATORS:
            if index in (0, last):
                raise _misplaced_separator(offset + index)
        elif not ("0" <= char <= "9" or char in _FULLWIDTH_DIGITS):
            raise _non_digit(offset + index)
    raise AssertionError("unreachable: every rejected input has a bad character")


# Weights in reading order (left to right) of the base digits. The ordinances count n from
# the right; n = 11 - index (individual) and n = 12 - index (corporate).
_MY_WEIGHTS = tuple(n + 1 if n <= 6 else n - 5 for n in range(11, 0, -1))
_CORPORATE_WEIGHTS = tuple(1 if n % 2 else 2 for n in range(12, 0, -1))
# Summing the bytes of the ASCII digits skips int() per character; subtract what the
# b"0" offsets of 48 add.
_MY_BIAS = 48 * sum(_MY_WEIGHTS)
_CORPORATE_BIAS = 48 * sum(_CORPORATE_WEIGHTS)
# Remainders 0 and 1 both give check digit 0 (総務省令 第5条).
_MY_CHECK_FOR_REMAINDER = tuple(0 if r <= 1 else 11 - r for r in range(11))


def _my_remainder(base: bytes) -> int:
    # operator.mul is typed as returning Any; the annotation restores int.
    total: int = sum(map(mul, _MY_WEIGHTS, base))
    return (total - _MY_BIAS) % 11


def _corporate_check(base: bytes) -> int:
    total: int = sum(map(mul, _CORPORATE_WEIGHTS, base))
    return 9 - (total - _CORPORATE_BIAS) % 9


def _is_ascii_digits(text: str, length: int) -> bool:
    return len(text) == length and text.isascii() and text.isdigit()


def _require_base(base: str, length: int) -> bytes:
    if not _is_ascii_digits(base, length):
        digits = normalise_digits(base)
        if len(digits) != length:
            raise _wrong_length(length, len(digits))
        base = digits
    return base.encode("ascii")


def my_number_check_digit(base: str) -> int:
    """Check digit (the 12th digit) of an 11-digit individual-number base."""
    return _MY_CHECK_FOR_REMAINDER[_my_remainder(_require_base(base, 11))]


def corporate_number_check_digit(base: str) -> int:
    """Check digit (the 1st of 13 digits) of a 12-digit corporate-number base."""
    return _corporate_check(_require_base(base, 12))


def parse_my_number(raw: str) -> str:
    """The individual number as 12 ASCII digits, or InvalidNumber."""
    if not _is_ascii_digits(raw, MY_NUMBER_LENGTH):
        raw = normalise_digits(raw)
        if len(raw) != MY_NUMBER_LENGTH:
            raise _wrong_length(MY_NUMBER_LENGTH, len(raw))
    encoded = raw.encode("ascii")
    if _MY_CHECK_FOR_REMAINDER[_my_remainder(encoded)] != encoded[11] - 48:
        raise _check_digit_mismatch()
    return raw


def parse_corporate_number(raw: str) -> str:
    """The corporate number as 13 ASCII digits, or InvalidNumber."""
    if not _is_ascii_digits(raw, CORPORATE_NUMBER_LENGTH):
        raw = normalise_digits(raw)
        if len(raw) != CORPORATE_NUMBER_LENGTH:
            raise _wrong_length(CORPORATE_NUMBER_LENGTH, len(raw))
    encoded = raw.encode("ascii")
    if _corporate_check(encoded[1:]) != encoded[0] - 48:
        raise _check_digit_mismatch()
    return raw


def is_valid_my_number(raw: str) -> bool:
    try:
        parse_my_number(raw)
    except InvalidNumber:
        return False
    return True


def is_valid_corporate_number(raw: str) -> bool:
    try:
        parse_corporate_number(raw)
    except InvalidNumber:
        return False
    return True


def mask(number: str, visible: int = 4) -> str:
    """'********9018': same length, only the last `visible` digits shown."""
    if not 0 <= visible <= MAX_VISIBLE:
        raise ValueError(f"visible must be between 0 and {MAX_VISIBLE}")
    if not (
        _is_ascii_digits(number, MY_NUMBER_LENGTH)
        or _is_ascii_digits(number, CORPORATE_NUMBER_LENGTH)
    ):
        raise ValueError("mask takes a parsed number: 12 or 13 ASCII digits")
    hidden = len(number) - visible
    return MASK_CHAR * hidden + number[hidden:]


def generate_my_number(rng: random.Random) -> str:
    """A synthetic valid individual number, first digit 1-9, for tests and benchmarks."""
    base = str(rng.randrange(10**10, 10**11))
    return base + str(_MY_CHECK_FOR_REMAINDER[_my_remainder(base.encode("ascii"))])


def generate_corporate_number(rng: random.Random) -> str:
    """A synthetic valid corporate number, for tests and benchmarks."""
    base = f"{rng.randrange(10**12):012d}"
    return str(_corporate_check(base.encode("ascii"))) + base


def generate_my_numbers(count: int, seed: int) -> Iterator[str]:
    """`count` distinct synthetic numbers, the same sequence for the same seed.

    Distinct by construction, not by luck: at a million numbers, independent draws
    from the 9x10^10 bases would repeat a few times (the birthday bound), and an import
    benchmark would then meet "duplicate number" lines. The i-th base is an affine
    permutation a*i + b of the base space, with a coprime to its size.
    """
    space = 9 * 10**10  # bases 10^10 .. 10^11 - 1: first digit 1-9
    if count > space:
        raise ValueError("more synthetic numbers asked for than exist")
    rng = random.Random(seed)  # noqa: S311 - synthetic test data, not secrets
    multiplier = rng.randrange(space // 3, space)
    while math.gcd(multiplier, space) != 1:
        multiplier += 1
    offset = rng.randrange(space)
    remainder = _my_remainder
    check_for = _MY_CHECK_FOR_REMAINDER
    for i in range(count):
        base = str(10**10 + (multiplier * i + offset) % space)
        yield base + str(check_for[remainder(base.encode("ascii"))])


# A chain: digit runs (ASCII or full-width) joined by runs of separators, as long as it
# goes. The parser accepts any part of a chain that starts and ends with a whole digit
# run, whatever its grouping (3-3-3-3, 4-8, one digit at a time, mixed separators), so
# every such part with 12 or 13 digits is checked.
_D = "[0-9０-９]"
_S = "[" + re.escape(_SEPARATORS) + "]"
_DS = "[0-9０-９" + re.escape(_SEPARATORS) + "]"
# Starting with a character class lets the engine skip straight to the next digit; the
# lookbehind then rejects a digit inside a run, the lookahead a chain too short to hold
# twelve digits. A chain refused as too short has no part long enough either.
_CHAIN = re.compile(rf"{_D}(?<!{_D}{_D})(?={_DS}{{11}}){_D}*(?:{_S}+{_D}+)*")
_RUN = re.compile(rf"{_D}+")
_SEPARATOR_RUN = re.compile(rf"{_S}+")


def _valid_digits(digits: bytes) -> str | None:
    """The redaction for 12 or 13 ASCII digits that validate, else None."""
    if len(digits) == MY_NUMBER_LENGTH:
        valid = _MY_CHECK_FOR_REMAINDER[_my_remainder(digits)] == digits[11] - 48
        return MY_NUMBER_REDACTION if valid else None
    if len(digits) == CORPORATE_NUMBER_LENGTH:
        valid = _corporate_check(digits[1:]) == digits[0] - 48
        return CORPORATE_NUMBER_REDACTION if valid else None
    return None


def _spans(chain: str, digits: str) -> list[tuple[int, int, str]]:
    """(start, end, redaction) of every part of ``chain`` that is a valid number;
    ``digits`` is the chain's digits, normalised."""
    lengths = [len(run) for run in _SEPARATOR_RUN.split(chain)]
    offsets = [0]
    for length in lengths:
        offsets.append(offsets[-1] + length)
    found: list[tuple[int, int, str]] = []
    for first in range(len(lengths)):
        for last in range(first, len(lengths)):
            count = offsets[last + 1] - offsets[first]
            if count > CORPORATE_NUMBER_LENGTH:
                break
            if count >= MY_NUMBER_LENGTH:
                part = digits[offsets[first] : offsets[last + 1]].encode("ascii")
                label = _valid_digits(part)
                if label is not None:
                    found.append((first, last, label))
    if not found:
        return []
    runs = [(m.start(), m.end()) for m in _RUN.finditer(chain)]
    return [(runs[first][0], runs[last][1], label) for first, last, label in found]


def _rewrite_chain(chain: str, rewrite: Callable[[str, str], str]) -> str:
    """``chain`` with each part that validates replaced by ``rewrite(part, label)``."""
    digits = chain.translate(_NORMALISE)
    if len(digits) < MY_NUMBER_LENGTH:
        return chain
    if len(digits) == len(chain):  # one run: the common case of a number written plain
        label = _valid_digits(digits.encode("ascii"))
        return rewrite(chain, label) if label else chain
    spans = _spans(chain, digits)
    if not spans:
        return chain
    # Overlapping parts (single digits spaced out can validate twice) go as one.
    merged: list[list[Any]] = []
    for start, stop, label in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop, label])
    parts: list[str] = []
    position = 0
    for start, stop, label in merged:
        parts += (chain[position:start], rewrite(chain[start:stop], label))
        position = stop
    parts.append(chain[position:])
    return "".join(parts)


def _redact_chain(match: re.Match[str]) -> str:
    return _rewrite_chain(match.group(), lambda _part, label: label)


def _mask_part(part: str, _label: str) -> str:
    return mask("".join(_RUN.findall(part)).translate(_NORMALISE))


def _mask_chain(match: re.Match[str]) -> str:
    return _rewrite_chain(match.group(), _mask_part)


# An id the vault made (a UUID, hyphenated or not): its hex digits spell a valid number
# about once in a thousand ids, and an error naming the record must still name it whole.
_UUID = re.compile(r"\b[0-9a-f]{8}(-?)[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{4}\1[0-9a-f]{12}\b", re.I)


# What the vault's own hashing and signing write as hex (``.hex()``, lower case): a SHA-256
# digest (entry hashes, archive digests, key ids) or an Ed25519 signature. Their digits can
# spell a valid number by chance (about one signature in a hundred): redacting one breaks
# the signature it is, e.g. a prune record that no longer verifies.
_DIGEST = re.compile(r"[0-9a-f]{64}|[0-9a-f]{128}")


def is_vault_id(text: str) -> bool:
    """Whether ``text`` is, whole, an id, digest or signature the vault made (kept by
    every redaction). Only the whole value: a number typed into free text is never one."""
    return _UUID.fullmatch(text) is not None or _DIGEST.fullmatch(text) is not None


def mask_numbers(text: str) -> str:
    """Like :func:`redact`, but each number found becomes its mask (``********9018``, as
    :func:`mask` shows a held number): what errors people read say, so that someone who
    typed a number in the wrong field can still tell which entry was meant. Ids the vault
    made (UUIDs) are left whole."""
    parts: list[str] = []
    position = 0
    for found in _UUID.finditer(text):
        parts += (_CHAIN.sub(_mask_chain, text[position : found.start()]), found.group())
        position = found.end()
    parts.append(_CHAIN.sub(_mask_chain, text[position:]))
    return "".join(parts)


def redact(text: str) -> str:
    """Replace every part of ``text`` that the parser would accept as a valid individual
    number (12 digits) or corporate number (13 digits): ASCII or full-width digits, in any
    grouping, with any of the separators the parser accepts, bounded by non-digits.

    A valid part inside a longer grouped number (a card number, say) is replaced too:
    masking too much in a log is cheaper than leaking a number. A run of digits glued to
    more digits is not a number the parser would read out of the text, and stays.
    """
    return _CHAIN.sub(_redact_chain, text)
