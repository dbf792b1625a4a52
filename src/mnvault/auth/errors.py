"""Authentication errors, each with a Japanese and an English message.

Sign-in failures all read the same to the caller (wrong login, wrong password, wrong
code): only the audit trail says which, so that nobody can probe for valid logins.
"""

from __future__ import annotations

from mnvault.access.errors import AccessError


class SignInFailed(AccessError):
    message_ja = (
        "サインインできません（組織コード・ユーザー名・パスワード・確認コードを確かめてください）"
    )
    message_en = "sign-in failed (check organisation code, user name, password and code)"
    status = 401
    kind = "sign-in-failed"


class AccountLocked(AccessError):
    message_ja = (
        "失敗が続いたためアカウントを一時的にロックしました。しばらくしてから再度お試しください"
    )
    message_en = "too many failed attempts: the account is locked for a while"
    status = 423
    kind = "locked"


class SessionExpired(AccessError):
    message_ja = "セッションの有効期限が切れました。もう一度サインインしてください"
    message_en = "the session has expired; sign in again"
    status = 401
    kind = "unauthenticated"


class SecondFactorRequired(AccessError):
    message_ja = "確認コード（二要素認証）の入力が必要です"
    message_en = "the second factor (authenticator code) is required"
    status = 401
    kind = "second-factor-required"


class EnrolmentRequired(AccessError):
    message_ja = "個人番号を扱う役割には二要素認証の設定が必要です"
    message_en = "roles that can see numbers must set up two-factor authentication first"
    status = 403
    kind = "enrolment-required"


class TokenInvalid(AccessError):
    message_ja = "APIトークンが無効です（期限切れ・失効・不一致）"
    message_en = "the API token is invalid (expired, revoked or unknown)"
    status = 401
    kind = "unauthenticated"


class PasswordChangeRequired(AccessError):
    message_ja = "初期パスワードのままです。パスワードを変更してから再度サインインしてください"
    message_en = "the password was set by someone else: change it, then sign in again"
    status = 403
    kind = "password-change-required"


class TotpAlreadyEnrolled(AccessError):
    message_ja = "二要素認証は設定済みです（認証アプリを替えるには管理者に相談してください）"
    message_en = (
        "two-factor authentication is already set up (to replace the app, ask an administrator)"
    )
    status = 409
    kind = "already-enrolled"


class OrganisationRequired(AccessError):
    message_ja = "複数の組織に所属しています。組織を指定してください"
    message_en = "member of several organisations: name the organisation"
    status = 401
    kind = "organisation-required"
