"""QR codes of TOTP provisioning URIs, drawn on the server (segno).

The enrolment page embeds :func:`qr_svg` inline: no image request, no third-party QR
service (the URI holds the TOTP secret and must never leave the server by any other
path), no JavaScript, nothing a strict Content-Security-Policy would block. The command
line prints :func:`qr_text`.
"""

from __future__ import annotations

import io

import segno

__all__ = ["qr_svg", "qr_text"]

# At least level M (15 % recovery; segno raises it when that costs no extra size): a
# 32-character base32 secret and a long account name still fit a size a phone reads
# easily off a screen.
_ERROR_LEVEL = "m"


def _qr(uri: str) -> segno.QRCode:
    # make_qr, not make: authenticator apps read only full-size QR codes, never Micro QR.
    return segno.make_qr(uri, error=_ERROR_LEVEL)


def qr_svg(uri: str, *, scale: int = 4, title: str | None = None) -> str:
    """An inline ``<svg>`` element (no XML declaration, no scripts, no external refs).

    Dark modules on an opaque white background with the standard four-module quiet
    zone, so that it scans on a page in dark mode too. ``title`` becomes the SVG's
    accessible name (e.g. "認証アプリ用QRコード / QR code for your authenticator app").
    """
    return _qr(uri).svg_inline(
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="mnvault-qr",
        lineclass=None,
    )


def qr_text(uri: str) -> str:
    """The QR code as lines of Unicode half blocks for a terminal (no ANSI escapes).

    Light modules are drawn as blocks and dark ones as blanks, which shows the code
    the right way round on the usual light-on-dark terminal.
    """
    buffer = io.StringIO()
    _qr(uri).terminal(out=buffer, border=4, compact=True)
    return buffer.getvalue()
