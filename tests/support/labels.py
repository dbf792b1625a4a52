"""What a person should never read on a screen (issue #18, "Japanese, not codes"): the
codes the trail keeps, English punctuation in Japanese, a time not in the one format. Used by
the labels walk through the app (tests/test_web_labels.py) and in Chromium
(tests/test_web_browser_walk.py)."""

from __future__ import annotations

import re

ROLE_CODES = re.compile(r"\b(?:admin|auditor|manager|clerk|chief_officer)\b")
RAW = [
    re.compile(r"\b[a-z]+(?:_[a-z]+)*:[a-z]+(?:_[a-z]+)*\b"),  # number:read
    re.compile(r"\b[a-z]+_[a-z_]+\b"),  # withholding_slip, prev_hash
    ROLE_CODES,
    re.compile(r"person outside every assignment|image/jpeg|application/pdf"),
    re.compile(r"[\u3040-\u30ff\u4e00-\u9fff）」]\.(?!\w)"),  # an English full stop in Japanese
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\bUTC\b"),  # a day or time not in the one format
    # Issue #18 (polish, item 2): a record is 対象者; 本人 only for the person themself
    # (本人確認, the person's consent or notice, their link to the number, their own code,
    # 本人の数 of an incident report).
    re.compile(
        r"本人(?!確認|（従業者等）の同意|の同意|への通知|に通知|の紐付け|の認証アプリ|が対面|の数)"
    ),
]


def raw_codes(text: str, lang: str = "ja") -> list[str]:
    """The raw codes in a page's visible text (in English a role's code is the English word
    itself: "a manager approves it")."""
    patterns = [p for p in RAW if lang == "ja" or p is not ROLE_CODES]
    return sorted({m.group(0) for pattern in patterns for m in pattern.finditer(text)})
