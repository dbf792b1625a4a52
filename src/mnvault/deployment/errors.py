"""Deployment errors with Japanese and English messages."""

from __future__ import annotations

from mnvault.crypto.errors import CryptoError
from mnvault.errors import MnvaultError


class DeploymentError(MnvaultError):
    message_ja = "初期化・起動に失敗しました"
    message_en = "set-up failed"

    def __str__(self) -> str:
        ja = f"{self.message_ja}: {self.detail_ja}" if self.detail_ja else self.message_ja
        en = f"{self.message_en}: {self.detail_en}" if self.detail_en else self.message_en
        return f"{ja} / {en}"


class NotInitialised(DeploymentError):
    message_ja = "データディレクトリが初期化されていません（mnvault init を実行してください）"
    message_en = "the data directory is not initialised (run mnvault init)"


class NoPassphrase(DeploymentError):
    message_ja = "鍵束のパスフレーズがありません（MNVAULT_PASSPHRASE か MNVAULT_PASSPHRASE_FILE）"
    message_en = "no keyring passphrase (set MNVAULT_PASSPHRASE or MNVAULT_PASSPHRASE_FILE)"


class LiveDatabase(DeploymentError):
    message_ja = (
        "鍵束がありませんが、データベースには既に組織か監査ログがあります。新しい鍵束で"
        "初期化すると保管中の番号が読めなくなるため、何も変更せずに中止しました。"
        "鍵束のバックアップを MNVAULT_KEYRING_PATH に戻してください"
    )
    message_en = (
        "the keyring is missing but the database already holds organisations or an audit "
        "trail; initialising a new keyring would make every stored number unreadable, so "
        "nothing was changed. Restore the keyring (MNVAULT_KEYRING_PATH) from its backup"
    )


class ForeignKeyring(DeploymentError):
    message_ja = "この鍵束はこのデータベースのものではありません（鍵確認値が一致しません）"
    message_en = "this keyring does not belong to this database (key check value differs)"
    status = 409
    kind = "foreign-keyring"


class WrongPassphrase(DeploymentError):
    message_ja = "パスフレーズが違うか鍵束が改ざんされています"
    message_en = "wrong passphrase or the keyring was altered"
    status = 403
    kind = "wrong-passphrase"


# Errors a person can cause or meet: every package's (they subclass MnvaultError) and the
# crypto layer's. Each has a Japanese and an English message; show them through
# mnvault.errors (line, message, problem), which masks any number.
KNOWN_ERRORS: tuple[type[Exception], ...] = (MnvaultError, CryptoError)
