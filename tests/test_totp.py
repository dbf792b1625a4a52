"""TOTP second factor (mnvault.crypto.totp) and its enrolment QR code (mnvault.access.qr).

Sources:
- RFC 6238 (TOTP): §4 (T = floor((time - T0) / X), X = 30 s), §5.2 (one step of delay
  each way may be accepted; "the verifier MUST NOT accept the second attempt of the OTP
  after the successful validation has been issued for the first OTP"), Appendix B (test
  vectors: seed "12345678901234567890", HMAC-SHA-1, 8 digits);
- RFC 4226 §4 (R6): shared secrets of at least 128 bits, 160 recommended;
- the authenticator apps' "Key Uri Format" (otpauth://totp/ISSUER:ACCOUNT?secret=BASE32…);
- DESIGN.md §5 (TOTP second factor, enrolment with a QR code) and invariant 5 (only
  mnvault.crypto imports cryptography.hazmat; this test imports it once, to compare).
"""

from __future__ import annotations

import base64
import hmac
import math
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from cryptography.hazmat.primitives.hashes import SHA1  # noqa: TID251 - reference implementation
from cryptography.hazmat.primitives.twofactor.totp import (  # noqa: TID251 - reference implementation
    TOTP,
)
from hypothesis import given
from hypothesis import strategies as st

from mnvault import crypto
from mnvault.access.qr import qr_svg, qr_text
from mnvault.crypto.totp import (
    TOTP_DIGITS,
    TOTP_PERIOD,
    TOTP_SECRET_BYTES,
    new_totp_secret,
    totp_code,
    totp_provisioning_uri,
    totp_step,
    verify_totp,
)

RFC_SEED = b"12345678901234567890"
# RFC 6238 Appendix B, SHA-1 column: (time, T as hex, TOTP).
RFC_VECTORS = [
    (59, 0x0000000000000001, "94287082"),
    (1111111109, 0x00000000023523EC, "07081804"),
    (1111111111, 0x00000000023523ED, "14050471"),
    (1234567890, 0x000000000273EF07, "89005924"),
    (2000000000, 0x0000000003F940AA, "69279037"),
    (20000000000, 0x0000000027BC86AA, "65353130"),
]
SECRET = bytes(range(1, 21))  # synthetic
NOW = 1_750_000_000.0  # a fixed instant; the step boundaries below are relative to it
STEP = int(NOW // 30)


def code_at_step(step: int, secret: bytes = SECRET) -> str:
    return totp_code(secret, step * TOTP_PERIOD)


# -- RFC 6238 Appendix B ---------------------------------------------------------------


@pytest.mark.parametrize(("at", "step", "expected"), RFC_VECTORS)
def test_rfc6238_appendix_b_vectors(at: int, step: int, expected: str) -> None:
    assert totp_step(at) == step
    assert totp_code(RFC_SEED, at, digits=8) == expected


@pytest.mark.parametrize(("at", "step", "expected"), RFC_VECTORS)
def test_rfc6238_vectors_verify_to_their_time_step(at: int, step: int, expected: str) -> None:
    assert verify_totp(RFC_SEED, expected, at=at, last_used_step=None, window=0, digits=8) == step


@pytest.mark.parametrize(("at", "step", "expected"), RFC_VECTORS)
def test_six_digit_codes_are_the_last_six_of_the_eight(at: int, step: int, expected: str) -> None:
    # RFC 4226 §5.3: Snum mod 10^Digit, so the 6-digit code is the 8-digit one's tail.
    assert totp_code(RFC_SEED, at) == expected[-6:]
    assert verify_totp(RFC_SEED, expected[-6:], at=at, last_used_step=None) == step


def test_defaults_are_what_authenticator_apps_assume() -> None:
    assert (TOTP_DIGITS, TOTP_PERIOD) == (6, 30)
    assert TOTP_SECRET_BYTES * 8 == 160  # RFC 4226 §4 R6 recommends 160 bits


@given(secret=st.binary(min_size=16, max_size=64), at=st.integers(0, 2**40))
def test_codes_match_the_reference_implementation(secret: bytes, at: int) -> None:
    reference = TOTP(secret, 6, SHA1(), 30)  # noqa: S303 - RFC 6238 HMAC-SHA-1
    assert totp_code(secret, at) == reference.generate(at).decode()


# -- secrets -------------------------------------------------------------------------


def test_new_secrets_are_160_random_bits() -> None:
    secrets_ = {new_totp_secret() for _ in range(100)}
    assert len(secrets_) == 100
    assert all(isinstance(s, bytes) and len(s) == 20 for s in secrets_)


@pytest.mark.parametrize("length", [0, 10, 15])
def test_short_secrets_are_refused(length: int) -> None:
    # RFC 4226 §4 (R6): at least 128 bits.
    with pytest.raises(ValueError, match="16 bytes"):
        verify_totp(b"k" * length, "123456", at=NOW, last_used_step=None)
    with pytest.raises(ValueError, match="16 bytes"):
        totp_provisioning_uri(b"k" * length, "tanaka")


def test_public_names_are_re_exported_from_the_crypto_package() -> None:
    for name in (
        "new_totp_secret",
        "totp_code",
        "totp_provisioning_uri",
        "totp_step",
        "verify_totp",
    ):
        assert name in crypto.__all__
        assert getattr(crypto, name) is globals()[name]


# -- provisioning URI ------------------------------------------------------------------


def parse_uri(uri: str) -> tuple[str, str, str, dict[str, str]]:
    parts = urlsplit(uri)
    label = unquote(parts.path.removeprefix("/"))
    issuer, _, account = label.partition(":")
    query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
    return f"{parts.scheme}://{parts.netloc}", issuer, account, query


def test_provisioning_uri_carries_everything_an_app_needs() -> None:
    secret = new_totp_secret()
    uri = totp_provisioning_uri(secret, "tanaka.hanako")
    base, issuer, account, query = parse_uri(uri)
    assert base == "otpauth://totp"
    assert (issuer, account) == ("mnvault", "tanaka.hanako")
    assert query["issuer"] == "mnvault"
    assert (query["algorithm"], query["digits"], query["period"]) == ("SHA1", "6", "30")
    assert "=" not in query["secret"]  # base32 without padding, as the apps expect
    assert base64.b32decode(query["secret"]) == secret


def test_provisioning_uri_agrees_with_the_reference_builder() -> None:
    ours = parse_uri(totp_provisioning_uri(SECRET, "tanaka", issuer="Example"))
    reference = TOTP(SECRET, 6, SHA1(), 30).get_provisioning_uri("tanaka", "Example")  # noqa: S303
    assert ours == parse_uri(reference)


@pytest.mark.parametrize(
    ("account", "issuer"),
    [
        ("tanaka@example.co.jp", "mnvault"),
        ("田中 花子", "株式会社サンプル 給与"),
        ("a/b?c#d&e=f+g%h", "Payroll & HR / 経理"),
    ],
)
def test_provisioning_uri_percent_encodes_names(account: str, issuer: str) -> None:
    uri = totp_provisioning_uri(SECRET, account, issuer=issuer)
    assert " " not in uri and "+" not in uri and uri.isascii()
    _, parsed_issuer, parsed_account, query = parse_uri(uri)
    assert (parsed_issuer, parsed_account, query["issuer"]) == (issuer, account, issuer)
    assert urlsplit(uri).path.count("/") == 1  # a "/" in a name cannot split the label


@pytest.mark.parametrize(("account", "issuer"), [("a:b", "mnvault"), ("a", "x:y"), ("", "x")])
def test_colons_and_empty_names_are_refused(account: str, issuer: str) -> None:
    # Key Uri Format: issuer and account are separated by a colon and may not contain one.
    with pytest.raises(ValueError, match="':'"):
        totp_provisioning_uri(SECRET, account, issuer=issuer)


# -- verification, window and replay (RFC 6238 §5.2) ---------------------------------------


def test_current_code_returns_its_time_step() -> None:
    assert verify_totp(SECRET, code_at_step(STEP), at=NOW, last_used_step=None) == STEP


@pytest.mark.parametrize(("offset", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_drift_each_way_by_default(offset: int, accepted: bool) -> None:
    result = verify_totp(SECRET, code_at_step(STEP + offset), at=NOW, last_used_step=None)
    assert result == (STEP + offset if accepted else None)


@pytest.mark.parametrize("window", [0, 1, 2, 5])
def test_window_edges(window: int) -> None:
    for offset in range(-window - 2, window + 3):
        result = verify_totp(
            SECRET, code_at_step(STEP + offset), at=NOW, last_used_step=None, window=window
        )
        expected = STEP + offset if abs(offset) <= window else None
        assert result == expected, offset


def test_step_boundaries_follow_rfc6238_t() -> None:
    boundary = STEP * 30.0
    just_before = math.nextafter(boundary, 0)
    assert totp_step(boundary) == STEP
    assert totp_step(just_before) == STEP - 1
    code = code_at_step(STEP)
    assert verify_totp(SECRET, code, at=boundary, last_used_step=None, window=0) == STEP
    assert verify_totp(SECRET, code, at=just_before, last_used_step=None, window=0) is None
    assert verify_totp(SECRET, code, at=just_before, last_used_step=None, window=1) == STEP


def test_a_code_is_accepted_once() -> None:
    code = code_at_step(STEP)
    used = verify_totp(SECRET, code, at=NOW, last_used_step=None)
    assert used == STEP
    assert verify_totp(SECRET, code, at=NOW, last_used_step=used) is None
    assert verify_totp(SECRET, code, at=NOW + 29, last_used_step=used) is None


def test_an_older_code_is_refused_after_a_newer_one_was_used() -> None:
    used = verify_totp(SECRET, code_at_step(STEP), at=NOW, last_used_step=None)
    older = code_at_step(STEP - 1)  # still inside the window
    assert verify_totp(SECRET, older, at=NOW, last_used_step=None) == STEP - 1
    assert verify_totp(SECRET, older, at=NOW, last_used_step=used) is None


def test_the_next_code_is_accepted_after_one_was_used() -> None:
    used = verify_totp(SECRET, code_at_step(STEP), at=NOW, last_used_step=None)
    assert verify_totp(SECRET, code_at_step(STEP + 1), at=NOW + 30, last_used_step=used) == (
        STEP + 1
    )


def test_wrong_secret_or_wrong_code_is_refused() -> None:
    code = code_at_step(STEP)
    other = bytes(reversed(SECRET))
    assert verify_totp(other, code, at=NOW, last_used_step=None, window=0) is None
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert verify_totp(SECRET, wrong, at=NOW, last_used_step=None, window=0) is None


@given(secret=st.binary(min_size=16, max_size=40), at=st.floats(0, 2**36), window=st.integers(0, 3))
def test_generated_codes_verify_once_and_only_once(secret: bytes, at: float, window: int) -> None:
    step = totp_step(at)
    code = totp_code(secret, at)
    used = verify_totp(secret, code, at=at, last_used_step=None, window=window)
    # The later of two steps sharing a code (chance 10^-6 per pair) is the one kept.
    assert used is not None and step <= used <= step + window
    assert verify_totp(secret, code, at=at, last_used_step=used, window=window) is None


@given(code=st.text(max_size=20), at=st.floats(0, 2**36))
def test_any_text_is_answered_without_error(code: str, at: float) -> None:
    result = verify_totp(SECRET, code, at=at, last_used_step=None)
    assert result is None or abs(result - totp_step(at)) <= 1


def test_every_candidate_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr("mnvault.crypto.totp.hmac.compare_digest", counting)
    # A match at the first candidate does not end the loop early.
    assert verify_totp(SECRET, code_at_step(STEP - 2), at=NOW, last_used_step=None, window=2)
    assert len(calls) == 5
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)


@pytest.mark.parametrize("window", [-1, -5])
def test_negative_window_is_a_programming_error(window: int) -> None:
    with pytest.raises(ValueError, match="window"):
        verify_totp(SECRET, "123456", at=NOW, last_used_step=None, window=window)


@pytest.mark.parametrize("at", [-1.0, math.nan, math.inf])
def test_impossible_times_are_programming_errors(at: float) -> None:
    with pytest.raises(ValueError, match="time"):
        verify_totp(SECRET, "123456", at=at, last_used_step=None)


def test_window_does_not_reach_before_the_epoch() -> None:
    assert verify_totp(RFC_SEED, "94287082", at=59, last_used_step=None, digits=8) == 1
    assert verify_totp(SECRET, code_at_step(0), at=5, last_used_step=None, window=3) == 0


# -- what people type --------------------------------------------------------------------


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    "typed",
    [
        "{a}{b}",
        "{a} {b}",
        " {a}{b} ",
        "{a}-{b}",
        "{a}\u3000{b}",  # ideographic space
        "{a}ー{b}",  # what an IME gives for "-"
        "{fa}{fb}",  # full-width digits
        "{fa}\u3000{fb}",
        "{fa}－{fb}",  # full-width hyphen-minus
    ],
)
def test_codes_are_accepted_as_people_type_them(typed: str) -> None:
    code = code_at_step(STEP)
    a, b = code[:3], code[3:]
    text = typed.format(a=a, b=b, fa=a.translate(FULL_WIDTH), fb=b.translate(FULL_WIDTH))
    assert verify_totp(SECRET, text, at=NOW, last_used_step=None) == STEP


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "abcdef",
        "١٢٣٤٥٦",  # Arabic-Indic digits: digits, but not what the app shows
        "123456\x00",
        "+12345",
    ],
)
def test_malformed_codes_are_refused_quietly(typed: str) -> None:
    assert verify_totp(SECRET, typed, at=NOW, last_used_step=None) is None


def test_eight_digit_codes_need_eight_digits() -> None:
    eight = totp_code(RFC_SEED, NOW, digits=8)
    assert verify_totp(RFC_SEED, eight, at=NOW, last_used_step=None) is None
    assert verify_totp(RFC_SEED, eight[-6:], at=NOW, last_used_step=None) == STEP
    assert verify_totp(RFC_SEED, eight, at=NOW, last_used_step=None, digits=8) == STEP


# -- the enrolment QR code (DESIGN.md §5) --------------------------------------------------


URI = totp_provisioning_uri(SECRET, "tanaka.hanako", issuer="株式会社サンプル")


def test_qr_svg_is_a_self_contained_inline_svg() -> None:
    svg = qr_svg(URI)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert not svg.startswith("<?xml")
    lowered = svg.lower()
    for forbidden in ("<script", "href", "http", "url(", "<image", "<foreignobject", "style="):
        assert forbidden not in lowered
    assert 'class="mnvault-qr"' in svg
    assert 'fill="#fff"' in svg  # an opaque light background: scans in dark mode too


def test_qr_svg_title_is_escaped() -> None:
    svg = qr_svg(URI, title="QR <コード> & more")
    assert "<title>QR &lt;コード&gt; &amp; more</title>" in svg


def test_qr_svg_does_not_leak_the_secret_as_text() -> None:
    secret_b32 = base64.b32encode(SECRET).decode().rstrip("=")
    assert secret_b32 not in qr_svg(URI)


def test_qr_svg_scales() -> None:
    small = re.search(r'width="(\d+)"', qr_svg(URI, scale=2))
    large = re.search(r'width="(\d+)"', qr_svg(URI, scale=4))
    assert small and large and int(large[1]) == 2 * int(small[1])


def test_qr_text_is_plain_half_blocks_for_a_terminal() -> None:
    text = qr_text(URI)
    lines = text.splitlines()
    assert "\x1b" not in text  # no ANSI escapes: safe to log or pipe
    assert set(text) <= {" ", "\u2580", "\u2584", "\u2588", "\n"}
    widths = {len(line) for line in lines}
    assert len(widths) == 1
    (width,) = widths
    # A version-v QR code is 17 + 4v modules wide, plus a 4-module quiet zone each side;
    # two module rows share one line of half blocks.
    assert (width - 8 - 17) % 4 == 0
    assert len(lines) == math.ceil(width / 2)
    assert lines[0] == "\u2588" * width  # the quiet zone is light (drawn as blocks)


def test_qr_renderings_differ_for_different_uris() -> None:
    other = totp_provisioning_uri(new_totp_secret(), "tanaka.hanako", issuer="株式会社サンプル")
    assert qr_text(other) != qr_text(URI)
    assert qr_svg(other) != qr_svg(URI)
