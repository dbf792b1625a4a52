"""Errors of the crypto layer; messages never carry key material or plaintext."""


class CryptoError(Exception):
    """Base class; ``message_ja`` and ``message_en`` are shown to people."""

    message_ja = "暗号処理に失敗しました"
    message_en = "cryptographic operation failed"

    def __init__(self, detail_en: str | None = None) -> None:
        self.detail_en = detail_en
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.message_ja} / {self.message_en}"
        return f"{text}: {self.detail_en}" if self.detail_en else text


class KeyringError(CryptoError):
    message_ja = "鍵束を開けません"
    message_en = "the keyring cannot be opened"


class KeyringLocked(CryptoError):
    message_ja = "鍵束が封印されています（アンシールが必要です）"
    message_en = "the keyring is sealed (unseal it first)"


class DecryptionFailed(CryptoError):
    message_ja = "復号できません（鍵または関連データが一致しません）"
    message_en = "decryption failed (wrong key or associated data)"
