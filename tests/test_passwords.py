"""Password rules (mnvault.access.passwords) after NIST SP 800-63B-4 §3.1.1.2.

What §3.1.1.2 (password verifiers) asks and each test below checks:
- minimum length: 15 characters for single-factor use; passwords used only within
  multi-factor authentication may be shorter but SHALL be at least 8 (mnvault's default,
  12, is for accounts with a TOTP second factor, DESIGN.md §5);
- a maximum of at least 64 characters SHOULD be permitted (mnvault: 128);
- all printing ASCII characters and the space, and Unicode, SHOULD be accepted; each code
  point counts as one character; Unicode passwords are normalised (NFKC or NFKD, UAX #15
  §12.1 "stabilized strings") before hashing;
- no other composition rules (SHALL NOT), no hints (SHALL NOT), no truncation (SHALL);
- the password SHALL be compared against a blocklist of commonly used, expected or
  compromised values, including context-specific words (the service name, the user name).
Every password here is synthetic.
"""

from __future__ import annotations

import inspect
import string
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

from mnvault.access.errors import AccessError, WeakPassword
from mnvault.access.passwords import (
    DEFAULT_MIN_LENGTH,
    MAX_LENGTH,
    MULTI_FACTOR_MIN_LENGTH,
    SINGLE_FACTOR_MIN_LENGTH,
    PasswordProblem,
    ProblemCode,
    _deny_list,
    _problem,
    check_password,
    is_common_password,
    normalise_password,
    require_valid_password,
)

LOGIN = "tanaka.hanako"
NAME = "田中 花子"
COMMON = FREQUENCY_LISTS["passwords"]


def codes(password: str, *, min_length: int = DEFAULT_MIN_LENGTH, **context: str) -> set[str]:
    login = context.get("login", LOGIN)
    name = context.get("display_name", NAME)
    problems = check_password(password, login=login, display_name=name, min_length=min_length)
    return {problem.code for problem in problems}


# -- lengths (§3.1.1.2) --------------------------------------------------------------------


def test_length_constants_follow_the_guideline() -> None:
    assert SINGLE_FACTOR_MIN_LENGTH == 15
    assert MULTI_FACTOR_MIN_LENGTH == 8
    assert MULTI_FACTOR_MIN_LENGTH <= DEFAULT_MIN_LENGTH == 12 < SINGLE_FACTOR_MIN_LENGTH
    assert MAX_LENGTH >= 64


@pytest.mark.parametrize(
    "password",
    [
        "violet kettle under the old bridge",
        "夕暮れの坂道で猫が三匹昼寝中",  # 14 characters, all kanji and kana
        "marmot vinyl 7",  # exactly 14 with spaces
        "Quokka;Lantern",
        "830255179046",  # digits only: no composition rule forbids it
        "glimmerpondrix",  # lower case only
        "ＴＯＫＹＯ湾の青いフェリー",  # full-width Latin is accepted (and normalised)
    ],
)
def test_ordinary_passphrases_are_accepted(password: str) -> None:
    assert check_password(password, login=LOGIN, display_name=NAME) == []


@pytest.mark.parametrize("min_length", [8, 12, 15, 20])
def test_minimum_length_boundary(min_length: int) -> None:
    base = "plum vexing orbit quartz sundial"
    assert codes(base[:min_length], min_length=min_length) == set()
    assert codes(base[: min_length - 1], min_length=min_length) == {ProblemCode.TOO_SHORT}


def test_default_minimum_is_twelve() -> None:
    assert codes("plum vexing ") == set()
    assert codes("plum vexing") == {ProblemCode.TOO_SHORT}


def test_single_factor_accounts_need_fifteen() -> None:
    password = "plum vexing orb"  # 15
    assert codes(password, min_length=SINGLE_FACTOR_MIN_LENGTH) == set()
    assert codes(password[:14], min_length=SINGLE_FACTOR_MIN_LENGTH) == {ProblemCode.TOO_SHORT}


@pytest.mark.parametrize("min_length", [0, 6, 7, MAX_LENGTH + 1])
def test_minimum_below_the_guideline_floor_is_a_programming_error(min_length: int) -> None:
    with pytest.raises(ValueError, match="800-63B-4"):
        check_password(
            "anything at all here", login=LOGIN, display_name=NAME, min_length=min_length
        )


def test_too_short_message_names_the_minimum() -> None:
    (problem,) = check_password("short one", login=LOGIN, display_name=NAME, min_length=15)
    assert "15" in problem.message_ja and "15" in problem.message_en


def test_maximum_length_boundary() -> None:
    words = "ember lattice nocturne prism quill saffron tundra wicket "
    long_enough = (words * 3)[:MAX_LENGTH]
    assert len(long_enough) == 128
    assert codes(long_enough) == set()
    assert codes(long_enough + "x") == {ProblemCode.TOO_LONG}


def test_huge_inputs_are_refused_cheaply() -> None:
    started = time.perf_counter()
    assert codes("ﷺ" * 100_000) == {ProblemCode.TOO_LONG}  # NFKC would expand it 18-fold
    assert time.perf_counter() - started < 0.5


def test_each_code_point_counts_as_one_character() -> None:
    emoji = "🦊🐧🐙🦉🐢🦀🐝🦋🐬🦔🐿🦜"  # 12 different emoji, 12 code points
    assert len(emoji) == 12
    assert codes(emoji) == set()
    assert codes(emoji[:11]) == {ProblemCode.TOO_SHORT}


def test_length_is_counted_after_nfkc() -> None:
    # Half-width ｶﾞ is two code points that NFKC composes into one (ガ).
    raw = "ｶﾞﾗｽの森の小さな灯台へ"
    assert len(raw) == 13
    assert len(normalise_password(raw)) == 12
    assert codes(raw) == set()
    assert codes(raw, min_length=13) == {ProblemCode.TOO_SHORT}


# -- characters (§3.1.1.2: printing ASCII, space, Unicode; NFKC) --------------------------


def test_every_printing_ascii_character_and_the_space_are_accepted() -> None:
    printable = "".join(c for c in string.printable if c == " " or not c.isspace())
    assert len(printable) == 95
    assert codes(printable) == set()


@pytest.mark.parametrize(
    "character",
    [
        "\x00",
        "\t",
        "\n",
        "\x7f",
        "\u200b",  # zero-width space
        "\u202e",  # right-to-left override
        "\ue000",  # private use
        "\U000e0080",  # unassigned: NFKC is not stable for it (UAX #15 §12.1)
        "\ud800",  # lone surrogate (cannot even be encoded for hashing)
        "\u2028",  # line separator
    ],
)
def test_control_and_invisible_characters_are_refused(character: str) -> None:
    assert codes(f"maple syrup {character} pancakes") == {ProblemCode.UNPRINTABLE}


def test_emoji_joined_by_zero_width_joiners_are_accepted() -> None:
    assert codes("weekend plans: 👩\u200d💻 + 🧑\u200d🍳") == set()


def test_other_spaces_are_accepted() -> None:
    assert codes("maple\u3000syrup\u00a0pancakes") == set()  # ideographic and no-break


def test_normalisation_is_nfkc() -> None:
    assert normalise_password("ＡＢＣ１２３　ｶﾞ") == "ABC123 ガ"
    assert normalise_password("①") == unicodedata.normalize("NFKC", "①")


def test_require_valid_password_returns_the_form_to_hash() -> None:
    # §3.1.1.2: normalise before hashing, so that full-width and half-width typing of the
    # same password sign in alike.
    typed = "ＴＯＫＹＯ湾の青いフェリー"
    assert require_valid_password(typed, login=LOGIN, display_name=NAME) == "TOKYO湾の青いフェリー"


def test_spaces_are_kept_not_stripped() -> None:
    # §3.1.1.2 counts every character and verifies the whole password.
    assert require_valid_password("  violet kettle  ", login=LOGIN, display_name=NAME) == (
        "  violet kettle  "
    )


# -- no composition rules, no hints (§3.1.1.2 SHALL NOTs) ---------------------------------


def test_problem_codes_contain_no_composition_rules() -> None:
    assert {code.value for code in ProblemCode} == {
        "too_short",
        "too_long",
        "unprintable",
        "common",
        "context",
        "repetitive",
    }


def test_there_is_no_hint_parameter() -> None:
    for function in (check_password, require_valid_password):
        assert not any("hint" in name for name in inspect.signature(function).parameters)


@given(
    st.text(alphabet=string.ascii_lowercase, min_size=12, max_size=40)
    | st.text(alphabet=string.digits, min_size=12, max_size=40)
    | st.text(alphabet="あかさたなはまやらわをんきしちにひみりゐ", min_size=12, max_size=40)
)
def test_single_class_passwords_fail_only_on_blocklist_rules(password: str) -> None:
    # Whatever is refused is refused for being guessable, never for lacking a class.
    assert codes(password) <= {ProblemCode.COMMON, ProblemCode.REPETITIVE, ProblemCode.CONTEXT}


# -- the blocklist (§3.1.1.2) ---------------------------------------------------------------


def test_deny_list_is_the_zxcvbn_password_list() -> None:
    deny = _deny_list()
    assert isinstance(deny, frozenset)
    assert len(COMMON) == 30_000 and len(deny) >= 29_000
    assert _deny_list() is deny  # built once


def test_deny_list_lookups_are_fast() -> None:
    _deny_list()
    started = time.perf_counter()
    for word in COMMON[:10_000]:
        assert is_common_password(word)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("rank", [0, 1, 2, 99, 999, 9_999, 29_999])
def test_common_passwords_at_any_rank_are_refused(rank: int) -> None:
    word = COMMON[rank]
    assert is_common_password(word)
    assert ProblemCode.COMMON in codes(word, min_length=8)


FULL_WIDTH_FROM = string.ascii_letters + string.digits
FULL_WIDTH_TO = "".join(chr(ord(c) + 0xFEE0) for c in FULL_WIDTH_FROM)


@given(st.sampled_from(COMMON))
def test_common_passwords_are_refused_in_any_case(word: str) -> None:
    assert is_common_password(word.upper())
    assert is_common_password(word.title())
    assert is_common_password(word.translate(str.maketrans(FULL_WIDTH_FROM, FULL_WIDTH_TO)))


@pytest.mark.parametrize(
    "password",
    ["Password1!", "PASSWORD2025!!", "!!sunshine!!", "  dragon 12345", "i love you", "Iloveyou!"],
)
def test_common_words_dressed_up_with_digits_and_symbols_are_refused(password: str) -> None:
    assert is_common_password(password)


def test_long_common_passwords_are_refused_at_fifteen() -> None:
    assert codes("1qaz2wsx3edc4rfv", min_length=15) == {ProblemCode.COMMON}


def test_uncommon_passwords_pass_the_deny_list() -> None:
    assert not is_common_password("violet kettle under the old bridge")
    assert not is_common_password("password manager of the kettle")  # contains, not equals


# -- context-specific words (§3.1.1.2: the service name, the user's name) ----------------------


@pytest.mark.parametrize(
    "password",
    [
        "tanaka.hanako",
        "Tanaka.Hanako!!",
        "hanako-tanaka-99",
        "TANAKAHANAKO2025",
        "田中花子は毎朝六時に起きる",  # 13 characters, 9 once the name is left out
        "花子の秘密の合言葉です",
        "mnvault rocks 2025",
        "MnVault-Password",
        "マイナンバーを守る会",
    ],
)
def test_login_name_and_service_name_do_not_count(password: str) -> None:
    assert ProblemCode.CONTEXT in codes(password)


def test_context_words_are_fine_inside_a_long_enough_password() -> None:
    assert codes("tanaka likes green tea on mondays") == set()
    assert codes("mnvault keeps the ledger of violet kettles") == set()


def test_the_context_check_uses_this_users_login_and_name() -> None:
    password = "suzuki ichiro 1234"
    assert ProblemCode.CONTEXT in codes(password, login="suzuki.ichiro", display_name="鈴木 一郎")
    assert codes(password) == set()


def test_tiny_fragments_of_a_login_are_ignored() -> None:
    # "t" and "jp" of "t@x.jp" would otherwise remove half of any password.
    assert codes("total jumpy pixies", login="t@x.jp", display_name="T") == set()


def test_context_message_names_the_minimum_without_naming_the_words() -> None:
    problems = check_password(
        "tanaka.hanako!!", login=LOGIN, display_name=NAME, min_length=SINGLE_FACTOR_MIN_LENGTH
    )
    (context,) = [p for p in problems if p.code is ProblemCode.CONTEXT]
    for message in (context.message_ja, context.message_en):
        assert "15" in message and "tanaka" not in message and "田中" not in message


# -- repetition and sequences (expected values, §3.1.1.2 blocklist) ------------------------


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "            ",
        "abcabcabcabc",
        "passwordpassword",
        "123456789012",
        "098765432109",
        "abcdefghijklm",
        "zyxwvutsrqpo",
        "qwertyuiopasdf",
        "qazwsxedcrfvtgb",
        "あいうえおかきくけこさし",
        "アイウエオカキクケコサシ",
        "んをわろれるりらよゆやも",
        "ＡＢＣＤＥＦＧＨＩＪＫＬ",  # full-width sequence, after NFKC
    ],
)
def test_repetitions_and_sequences_are_refused(password: str) -> None:
    assert ProblemCode.REPETITIVE in codes(password)


def test_a_repeated_unit_is_as_strong_as_the_unit() -> None:
    unit = "lantern quiver "  # 13 characters besides the space
    assert codes(unit * 2) == set()
    assert codes(unit * 2, min_length=15) == {ProblemCode.REPETITIVE}
    assert codes("monkey monkey monkey") == {ProblemCode.REPETITIVE}  # spaces add nothing


# -- messages and the error -----------------------------------------------------------------


MARKER = "zebraQUOKKA"


@pytest.mark.parametrize(
    "password",
    [
        f"{MARKER}",
        f"{MARKER}\x00 something long",
        f"{MARKER}{MARKER}{MARKER}",
        f"{MARKER}" * 20,
        f"{MARKER} 1",
    ],
)
def test_messages_never_repeat_the_password(password: str) -> None:
    problems = check_password(password, login=MARKER, display_name=NAME, min_length=15)
    assert problems
    for problem in problems:
        assert isinstance(problem, PasswordProblem)
        assert problem.message_ja and problem.message_en
        assert MARKER.lower() not in problem.message_ja.lower()
        assert MARKER.lower() not in problem.message_en.lower()
    with pytest.raises(WeakPassword) as raised:
        require_valid_password(password, login=MARKER, display_name=NAME, min_length=15)
    assert MARKER.lower() not in str(raised.value).lower()
    assert MARKER.lower() not in repr(raised.value).lower()


@given(
    password=st.text(max_size=200),
    login=st.text(max_size=30),
    name=st.text(max_size=30),
    min_length=st.integers(MULTI_FACTOR_MIN_LENGTH, 40),
)
def test_messages_depend_only_on_the_rule_and_the_minimum(
    password: str, login: str, name: str, min_length: int
) -> None:
    problems = check_password(password, login=login, display_name=name, min_length=min_length)
    assert [p.code for p in problems] == sorted(
        {p.code for p in problems}, key=list(ProblemCode).index
    )
    for problem in problems:
        assert problem == _problem(problem.code, min_length)


def test_weak_password_carries_every_problem_in_both_languages() -> None:
    with pytest.raises(WeakPassword) as raised:
        require_valid_password("password", login=LOGIN, display_name=NAME)
    error = raised.value
    assert isinstance(error, AccessError)
    assert {p.code for p in error.problems} == {ProblemCode.TOO_SHORT, ProblemCode.COMMON}
    text = str(error)
    assert error.message_ja in text and error.message_en in text
    for problem in error.problems:
        assert problem.message_ja in text and problem.message_en in text


def test_all_messages_are_bilingual_and_distinct() -> None:
    problems = [_problem(code, 12) for code in ProblemCode]
    assert len({p.message_ja for p in problems}) == len({p.message_en for p in problems}) == 6
    for problem in problems:
        assert any(
            "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in problem.message_ja
        )
        assert any(c.isascii() and c.isalpha() for c in problem.message_en)
