"""Errors of the places register (areas, entry logs, devices, take-outs, disposals), each
with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mnvault.vault.errors import NotFound, VaultError


class PlacesError(VaultError):
    message_ja = "区域・機器の記録を処理できません"
    message_en = "the area or device record cannot be processed"


class InvalidPlace(PlacesError):
    message_ja = "区域・機器の内容が正しくありません"
    message_en = "invalid area or device record"


class PlaceNotFound(NotFound):
    message_ja = "その区域・機器・持出しの記録はありません"
    message_en = "no such area, device or take-out"


class TakeoutRefused(PlacesError):
    """A take-out step the rules do not allow (own approval, wrong state, device gone)."""

    status = 409
    kind = "takeout-refused"
    message_ja = "この持出しの操作はできません"
    message_en = "this take-out step is not allowed"


class DeviceDisposed(PlacesError):
    status = 409
    kind = "device-disposed"
    message_ja = "この機器・媒体は廃棄済みです"
    message_en = "this device or medium has been disposed of"


class InvalidMapping(PlacesError):
    message_ja = "入退室記録の列の対応付けが正しくありません"
    message_en = "invalid column mapping for the entry log"


class EntryLogRejected(PlacesError):
    """The file had bad lines; nothing was imported (all or nothing). Each problem names
    its line (1 = the header line) and never quotes a cell, which could hold anything."""

    kind = "entry-log-rejected"
    status = 422
    message_ja = "入退室記録に誤りがあるため取り込みませんでした"
    message_en = "the entry log has errors; nothing was imported"

    def __init__(self, problems: Sequence[tuple[int, str, str]] = ()) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        super().__init__(
            "; ".join(f"{line}行目: {ja}" for line, ja, _ in shown),
            "; ".join(f"line {line}: {en}" for line, _, en in shown),
        )

    def problem_members(self) -> dict[str, Any]:
        return {
            "lines": [
                {"line": line, "message_ja": ja, "message_en": en}
                for line, ja, en in self.problems[:200]
            ]
        }
