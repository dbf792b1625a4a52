"""Time-based one-time passwords (RFC 6238) for the second sign-in factor.

The parameters are the ones every authenticator app assumes when a provisioning URI says
nothing else: HMAC-SHA-1, 6 digits, a 30-second time step (RFC 6238 §4 and §5.2; the
de-facto "Key Uri Format" of authenticator apps). Secrets are 160 bits, the length
RFC 4226 §4 (R6) recommends.

Replay protection (RFC 6238 §5.2: the verifier MUST NOT accept the second attempt of an
OTP after a successful validation) is the caller's half of the contract:
:func:`verify_totp` returns the time step that matched; store it, and pass it back as
``last_used_step``. Codes of that step and of every earlier one are refused from then on.
"""

from __future__ import annotations

import base64
import hmac
import math
import secrets
import unicodedata
from urllib.parse import quote

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

__all__ = [
    "TOTP_DIGITS",
    "TOTP_PERIOD",
    "TOTP_SECRET_BYTES",
    "new_totp_secret",
    "totp_code",
    "totp_provisioning_uri",
    "totp_step",
    "verify_totp",
]

TOTP_DIGITS = 6
TOTP_PERIOD = 30  # seconds (RFC 6238 §5.2 recommends 30)
TOTP_SECRET_BYTES = 20  # 160 bits (RFC 4226 §4, R6)
_MIN_SECRET_BYTES = 16  # RFC 4226 §4 (R6): at least 128 bits
# Spaces and hyphens an app or a user puts in the middle of a code ("123 456").
# NFKC has already turned the ideographic space and the full-width hyphen-minus into
# their ASCII forms; the others are what Japanese input methods tend to produce.
_CODE_SEPARATORS = str.maketrans("", "", " \t-\u2010\u2011\u2012\u2013\u2212\u30fc")


def _check_secret(secret: bytes) -> None:
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(f"a TOTP secret needs at least {_MIN_SECRET_BYTES} bytes")


def _totp(secret: bytes, digits: int) -> TOTP:
    _check_secret(secret)
    # SHA-1 because RFC 6238 and the apps use it; HMAC's security does not rest on the
    # collision resistance of its hash, which is what SHA-1 has lost.
    return TOTP(secret, digits, SHA1(), TOTP_PERIOD)  # noqa: S303 - RFC 6238 HMAC-SHA-1


def new_totp_secret() -> bytes:
    """A fresh 160-bit secret from the operating system's CSPRNG."""
    return secrets.token_bytes(TOTP_SECRET_BYTES)


def totp_step(at: float) -> int:
    """The RFC 6238 time step (T) that contains the Unix time ``at``."""
    if not math.isfinite(at) or at < 0:
        raise ValueError("time must be a finite, non-negative Unix time")
    return int(at // TOTP_PERIOD)


def totp_code(secret: bytes, at: float, *, digits: int = TOTP_DIGITS) -> str:
    """The code an authenticator app shows at Unix time ``at`` (for tests and tools)."""
    return _totp(secret, digits).generate(totp_step(at) * TOTP_PERIOD).decode("ascii")


def _label_part(text: str, what: str) -> str:
    # The Key Uri Format separates issuer and account with a colon, so neither may
    # contain one; everything else is percent-encoded (RFC 3986), "/" and spaces included.
    if not text or ":" in text:
        raise ValueError(f"the {what} must be non-empty and must not contain ':'")
    return quote(text, safe="")


def totp_provisioning_uri(secret: bytes, account_name: str, issuer: str = "mnvault") -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from a QR code.

    The secret is base32 (RFC 4648) without padding, as the apps expect.
    """
    _check_secret(secret)
    # cryptography's own URI builder (TOTP.get_provisioning_uri) leaves "/" unescaped in
    # the label and writes spaces in the issuer as "+", which some apps show literally.
    # Build the same parameters with RFC 3986 percent-encoding instead.
    label = f"{_label_part(issuer, 'issuer')}:{_label_part(account_name, 'account name')}"
    secret_b32 = base64.b32encode(secret).decode("ascii").rstrip("=")
    query = "&".join(
        f"{key}={value}"
        for key, value in (
            ("secret", secret_b32),
            ("issuer", quote(issuer, safe="")),
            ("algorithm", "SHA1"),
            ("digits", str(TOTP_DIGITS)),
            ("period", str(TOTP_PERIOD)),
        )
    )
    return f"otpauth://totp/{label}?{query}"


def _normalise_code(code: str) -> str:
    # NFKC turns full-width digits (１２３４５６) and the ideographic space into ASCII.
    return unicodedata.normalize("NFKC", code).strip().translate(_CODE_SEPARATORS)


def verify_totp(
    secret: bytes,
    code: str,
    *,
    at: float,
    last_used_step: int | None,
    window: int = 1,
    digits: int = TOTP_DIGITS,
) -> int | None:
    """The time step whose code ``code`` is, or None.

    Accepts the steps from ``window`` before to ``window`` after the one containing ``at``
    (RFC 6238 §5.2 allows one step of transmission delay and clock drift each way), and
    only steps after ``last_used_step``, so that a code is accepted once (replay
    protection). Every candidate is computed and compared in constant time, so the time
    taken tells nothing about which step (if any) matched.
    """
    if window < 0:
        raise ValueError("window must not be negative")
    totp = _totp(secret, digits)
    current = totp_step(at)
    submitted = _normalise_code(code)
    if len(submitted) != digits or not (submitted.isascii() and submitted.isdigit()):
        return None
    offered = submitted.encode("ascii")
    matched: int | None = None
    for step in range(max(current - window, 0), current + window + 1):
        expected = totp.generate(step * TOTP_PERIOD)
        fresh = last_used_step is None or step > last_used_step
        # No early exit: the loop does the same work whatever matches. When two steps of
        # the window share a code (chance 10^-digits), the later one is kept, which is the
        # stricter choice for replay protection.
        if hmac.compare_digest(expected, offered) and fresh:
            matched = step
    return matched
