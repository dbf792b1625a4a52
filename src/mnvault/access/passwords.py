"""Password rules after NIST SP 800-63B-4 §3.1.1.2 (password verifiers).

What the section asks, and where it is done here:
- a minimum length (15 for single-factor use, at least 8 as part of multi-factor
  authentication): ``min_length`` below, each Unicode code point counting as one character;
- a maximum of at least 64 characters: :data:`MAX_LENGTH` is 128;
- all printing ASCII characters, the space and Unicode accepted, normalised with NFKC
  before checking and hashing (UAX #15 §12.1, "stabilized strings"): :func:`normalise_password`;
- no other composition rules (no "one digit, one symbol"), no periodic changes, no hints,
  no security questions: nothing here asks for any, and there is deliberately no hint field;
- a comparison against a blocklist of commonly used, expected or compromised passwords and
  context-specific words (the service name, the user's name and login):
  :data:`ProblemCode.COMMON`, :data:`ProblemCode.CONTEXT`, :data:`ProblemCode.REPETITIVE`;
- the entire password is verified (never truncated): the caller hashes what
  :func:`require_valid_password` returns.

Messages never repeat the password, nor any part of it.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from mnvault.access.errors import WeakPassword

__all__ = [
    "DEFAULT_MIN_LENGTH",
    "MAX_LENGTH",
    "MULTI_FACTOR_MIN_LENGTH",
    "SERVICE_WORDS",
    "SINGLE_FACTOR_MIN_LENGTH",
    "PasswordProblem",
    "ProblemCode",
    "check_password",
    "is_common_password",
    "normalise_password",
    "require_valid_password",
]

# NIST SP 800-63B-4 §3.1.1.2: "SHALL require passwords that are used as a single-factor
# authentication mechanism to be a minimum of 15 characters"; passwords "only used as part
# of multi-factor authentication processes" MAY be shorter but SHALL be at least 8.
SINGLE_FACTOR_MIN_LENGTH = 15
MULTI_FACTOR_MIN_LENGTH = 8
# The default, 12, is for mnvault's normal case: DESIGN.md §5 makes TOTP the second factor
# of every account that can see a number, so the password is one factor of two and 8 would
# satisfy §3.1.1.2. 12 keeps a margin above that floor for the day a password hash leaks
# (the second factor does not help against offline guessing) while staying short enough
# for clerks who type it many times a day, without composition rules. It is NOT enough for
# an account that signs in with a password alone: such callers must pass
# ``min_length=SINGLE_FACTOR_MIN_LENGTH``.
DEFAULT_MIN_LENGTH = 12
# §3.1.1.2: "SHOULD permit a maximum password length of at least 64 characters". 128 leaves
# room for long passphrases while bounding the work a single request can cause.
MAX_LENGTH = 128
# Context-specific words (§3.1.1.2 blocklist: "the name of the service"); the user's login
# and display name are added per call.
SERVICE_WORDS = ("mnvault", "mynumber", "マイナンバー")

# Invisible or unassigned code points: control characters, surrogates, private use,
# unassigned (NFKC is only stable for assigned code points, UAX #15 §12.1), line and
# paragraph separators, and format characters except the zero-width joiner of emoji.
_REJECTED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Cf"})
_ALLOWED_FORMAT = frozenset({"\u200d"})
# Characters people put around a common word to satisfy composition rules elsewhere
# ("Password1!"): stripped before the deny-list lookup.
_DECORATION = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# Sequences people walk along: alphabet, keyboard rows (JIS/US), the gojūon order.
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789" * (MAX_LENGTH // 10 + 2),
    "1234567890qwertyuiopasdfghjklzxcvbnm",
    "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./",  # US
    "1234567890-^\\qwertyuiop@[asdfghjkl;:]zxcvbnm,./\\",  # JIS
    "qazwsxedcrfvtgbyhnujmikolp",
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん",
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
)
_WORD_SEPARATORS = re.compile(r"[\s@._\-+・,/]+")


class ProblemCode(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    UNPRINTABLE = "unprintable"
    COMMON = "common"
    CONTEXT = "context"
    REPETITIVE = "repetitive"


@dataclass(frozen=True, slots=True)
class PasswordProblem:
    """One broken rule, with a message for the person choosing the password."""

    code: ProblemCode
    message_ja: str
    message_en: str


def normalise_password(password: str) -> str:
    """NFKC, as §3.1.1.2 asks: apply before checking *and* before hashing or verifying,
    so that a password typed with full-width or half-width forms signs in either way."""
    return unicodedata.normalize("NFKC", password)


def _fold(text: str) -> str:
    # Case-insensitive comparison form (casefold can leave non-NFKC text; normalise again).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@functools.cache
def _deny_list() -> frozenset[str]:
    """The 30,000 most common passwords of the zxcvbn corpus (breach data), folded; built
    on first use (the module costs some 30 ms to import and a few MiB to hold)."""
    # Imported here, not at the top, so that importing this module stays cheap.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]  # noqa: PLC0415

    words: list[str] = FREQUENCY_LISTS["passwords"]
    return frozenset(_fold(word) for word in words)


def _common_forms(folded: str) -> set[str]:
    return {folded, folded.strip(_DECORATION), folded.replace(" ", "")}


def is_common_password(password: str) -> bool:
    """True when ``password``, ignoring case and surrounding digits and symbols, is one of
    the common passwords."""
    deny = _deny_list()
    return any(form in deny for form in _common_forms(_fold(password)))


def _unprintable(text: str) -> bool:
    return any(
        unicodedata.category(char) in _REJECTED_CATEGORIES and char not in _ALLOWED_FORMAT
        for char in text
    )


def _repeat_unit(text: str) -> int:
    """The length of the shortest string that ``text`` repeats (len(text) if none)."""
    # A string is a repetition of a proper prefix iff it occurs inside itself doubled,
    # short of the trivial positions; the first occurrence gives the period.
    return (text + text).find(text, 1)


def _sequential(text: str) -> bool:
    if len(text) < 3:
        return False
    for sequence in _SEQUENCES:
        if text in sequence or text in sequence[::-1]:
            return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})


def _context_words(login: str, display_name: str) -> list[str]:
    words: set[str] = set(SERVICE_WORDS)
    for source in (login, display_name):
        folded = _fold(source).strip()
        words.add(folded)
        words.add(_WORD_SEPARATORS.sub("", folded))
        words.update(_WORD_SEPARATORS.split(folded))
    # Drop fragments too short to mean anything ("t" of "t.tanaka"); two characters are a
    # whole word in Japanese (田中), three in Latin scripts.
    kept = [word for word in words if len(word) >= (3 if word.isascii() else 2)]
    return sorted(kept, key=len, reverse=True)


def _without(text: str, words: Iterable[str]) -> str:
    for word in words:
        text = text.replace(word, "")
    return text


def _problem(code: ProblemCode, min_length: int) -> PasswordProblem:
    match code:
        case ProblemCode.TOO_SHORT:
            return PasswordProblem(
                code,
                f"パスワードは{min_length}文字以上にしてください"
                "（空白・記号・日本語も使えます。短い文のようなパスフレーズがおすすめです）",
                f"use at least {min_length} characters (spaces, symbols and Japanese are "
                "allowed; a short sentence makes a good passphrase)",
            )
        case ProblemCode.TOO_LONG:
            return PasswordProblem(
                code,
                f"パスワードは{MAX_LENGTH}文字以内にしてください",
                f"use at most {MAX_LENGTH} characters",
            )
        case ProblemCode.UNPRINTABLE:
            return PasswordProblem(
                code,
                "制御文字や見えない文字（ゼロ幅文字など）は使えません",
                "control characters and invisible characters (such as zero-width ones) "
                "cannot be used",
            )
        case ProblemCode.COMMON:
            return PasswordProblem(
                code,
                "よく使われるパスワードや漏えい事例で知られたパスワードの一覧に含まれているため使えません",
                "this password is on a list of commonly used or breached passwords",
            )
        case ProblemCode.CONTEXT:
            return PasswordProblem(
                code,
                f"ログイン名・氏名・サービス名は推測されやすいため長さに数えません。"
                f"それらを除いて{min_length}文字以上にしてください",
                "your login, your name and the service name are easy to guess and do not "
                f"count: use at least {min_length} characters besides them",
            )
        case ProblemCode.REPETITIVE:
            return PasswordProblem(
                code,
                "同じ文字や語の繰り返し、連続した並び（1234、abcd、qwerty、あいうえお など）は"
                "推測されやすいため使えません",
                "repeated characters or words and sequences (such as 1234, abcd, qwerty or "
                "あいうえお) are easy to guess",
            )


def check_password(
    password: str, *, login: str, display_name: str, min_length: int = DEFAULT_MIN_LENGTH
) -> list[PasswordProblem]:
    """Every rule ``password`` breaks (an empty list when it is acceptable).

    Lengths count code points of the NFKC form, which is also what must be hashed.
    """
    if not MULTI_FACTOR_MIN_LENGTH <= min_length <= MAX_LENGTH:
        raise ValueError(
            f"min_length must be between {MULTI_FACTOR_MIN_LENGTH} (NIST SP 800-63B-4 "
            f"§3.1.1.2) and {MAX_LENGTH}"
        )
    # NFKC can expand a character up to 18-fold; an absurd input is refused before any work.
    if len(password) > 4 * MAX_LENGTH:
        return [_problem(ProblemCode.TOO_LONG, min_length)]
    text = normalise_password(password)
    codes: list[ProblemCode] = []
    if len(text) < min_length:
        codes.append(ProblemCode.TOO_SHORT)
    if len(text) > MAX_LENGTH:
        codes.append(ProblemCode.TOO_LONG)
    if _unprintable(text):
        codes.append(ProblemCode.UNPRINTABLE)
    if is_common_password(text):
        codes.append(ProblemCode.COMMON)
    folded = _fold(text)
    remainder = _without(folded, _context_words(login, display_name))
    if remainder != folded and len(remainder) < min_length:
        codes.append(ProblemCode.CONTEXT)
    # A repeated unit adds nothing to what the unit alone offers, nor do the spaces between
    # the repeats ("monkey monkey monkey"); a sequence adds nothing at all.
    compact = folded.replace(" ", "") or folded
    if folded and (_repeat_unit(compact) < min(len(compact), min_length) or _sequential(folded)):
        codes.append(ProblemCode.REPETITIVE)
    return [_problem(code, min_length) for code in codes]


def require_valid_password(
    password: str, *, login: str, display_name: str, min_length: int = DEFAULT_MIN_LENGTH
) -> str:
    """The NFKC form of ``password`` to hash, or :class:`WeakPassword` naming every problem."""
    problems = check_password(
        password, login=login, display_name=display_name, min_length=min_length
    )
    if problems:
        raise WeakPassword(problems)
    return normalise_password(password)
