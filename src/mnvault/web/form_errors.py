"""The message a form shows for an error a person caused: in the chosen language, with
its detail, and redacted (a number typed into the wrong field is never echoed)."""

from __future__ import annotations

from fastapi import Request

from mnvault.numbers import redact
from mnvault.web import i18n


def message_of(request: Request, exc: Exception) -> str:
    tr = i18n.translations(i18n.language_of(request))
    text = tr.pick(getattr(exc, "message_ja", ""), getattr(exc, "message_en", ""))
    detail_ja, detail_en = getattr(exc, "detail_ja", ""), getattr(exc, "detail_en", "")
    if detail_ja or detail_en:
        text += tr.pick(f"（{detail_ja}）", f" ({detail_en})")
    return redact(text)
