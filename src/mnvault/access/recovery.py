"""Recovery codes: one-time look-up secrets for a user who has lost their authenticator.

A set is shown once at TOTP enrolment; only digests are stored, and each code is spent on
use (NIST SP 800-63B-4 §3.1.2, look-up secrets).

Codes are 24 characters from a 31-symbol alphabet without the look-alikes 0/O and 1/I/L,
shown as six groups of four (``7KQ2-9XHM-…``): log2(31) x 24 ≈ 118.9 bits each, from
:mod:`secrets`. What a person types back is normalised (case, hyphens and spaces,
full-width forms) before hashing, so ``7kq2 9xhm …`` and ``７ＫＱ２－９ＸＨＭ…`` are the same code.

Why SHA-256 and not Argon2 like passwords: a slow, salted hash protects secrets that a
person chose and an attacker can enumerate; these are machine-chosen with about 119 bits
of entropy, so trying codes against a stolen digest costs some 2^118 hashes whatever the
hash's speed, and precomputed tables are as hopeless. NIST SP 800-63B (look-up secret
verifiers) accordingly allows a plain approved one-way function for look-up secrets of at
least 112 bits, which is why a code has 24 characters rather than the 17 that 80 bits
would need. The fast, unsalted digest also lets a service find a code by equality.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata

__all__ = [
    "RECOVERY_ALPHABET",
    "RECOVERY_CODE_BITS",
    "RECOVERY_GROUPS",
    "RECOVERY_GROUP_LENGTH",
    "hash_recovery_code",
    "matches",
    "new_recovery_codes",
    "normalise_recovery_code",
]

# Digits and capitals without 0, O, 1, I and L, which people confuse when they copy a
# code from paper.
RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LENGTH = 4
RECOVERY_CODE_BITS = RECOVERY_GROUPS * RECOVERY_GROUP_LENGTH * math.log2(len(RECOVERY_ALPHABET))
# Domain separation: the same string hashed for another purpose gives another digest.
_HASH_PREFIX = b"mnvault/recovery-code/v1\x00"
# Separators a person may type between groups; NFKC has already turned full-width ones
# (－, the ideographic space) into ASCII. ー is what Japanese input methods produce for "-".
_SEPARATORS = str.maketrans("", "", " \t\r\n-_\u2010\u2011\u2012\u2013\u2014\u2212\u30fc")


def new_recovery_codes(n: int = 10) -> list[str]:
    """``n`` fresh codes, each ``XXXX-XXXX-XXXX-XXXX-XXXX-XXXX`` (all different)."""
    if n < 1:
        raise ValueError("at least one recovery code")
    codes: list[str] = []
    while len(codes) < n:
        code = "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUP_LENGTH))
            for _ in range(RECOVERY_GROUPS)
        )
        if code not in codes:  # a repeat has chance ~2^-119; cheap to rule out anyway
            codes.append(code)
    return codes


def normalise_recovery_code(code: str) -> str:
    """The comparison form: NFKC (full-width to ASCII), upper case, no separators."""
    return unicodedata.normalize("NFKC", code).upper().translate(_SEPARATORS)


def hash_recovery_code(code: str) -> str:
    """The stored form: hex SHA-256 (64 characters) of the normalised code."""
    normalised = normalise_recovery_code(code)
    return hashlib.sha256(_HASH_PREFIX + normalised.encode("utf-8", "replace")).hexdigest()


def matches(code: str, stored_hash: str) -> bool:
    """True when ``code`` (as typed) is the code behind ``stored_hash``; constant time."""
    expected = stored_hash.strip().lower().encode("ascii", "replace")
    return hmac.compare_digest(hash_recovery_code(code).encode("ascii"), expected)
