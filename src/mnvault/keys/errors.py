"""Key errors, each with a Japanese and an English message."""

from __future__ import annotations

from mnvault.vault.errors import VaultError


class KeyError_(VaultError):  # noqa: N801 - KeyError is a builtin
    message_ja = "鍵の操作ができません"
    message_en = "key operation failed"


class StaleWrapping(KeyError_):
    message_ja = "古いKEK版で鍵を包み続けているプロセスがあります（サーバーを再起動してください）"
    message_en = "a process keeps wrapping keys under an old KEK version (restart the servers)"
