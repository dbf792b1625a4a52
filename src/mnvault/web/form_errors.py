"""The message a form shows for an error a person caused: in the chosen language, with
its detail, and redacted (a number typed into the wrong field is never echoed)."""

from __future__ import annotations

from fastapi import Request

from mnvault import errors
from mnvault.web import i18n


def message_of(request: Request, exc: Exception) -> str:
    """The one renderer's form message (mnvault.errors.message) in the viewer's language."""
    return errors.message(exc, i18n.language_of(request))
