"""Disposal errors, each with a Japanese and an English message; none carries a number."""

from __future__ import annotations

from mnvault.access.errors import AuthorizationDenied
from mnvault.vault.errors import VaultError


class DisposalError(VaultError):
    message_ja = "削除・廃棄を処理できません"
    message_en = "disposal cannot be processed"


class InvalidRule(DisposalError):
    message_ja = "保存期間の規則が正しくありません"
    message_en = "invalid retention rule"


class LooserNeedsReason(DisposalError):
    message_ja = "法令より長く保管する規則には理由の記録が必要です"
    message_en = "a rule keeping numbers longer than the law needs a recorded reason"


class BelowStatutoryMinimum(DisposalError):
    message_ja = "法令で保存が義務付けられた期間より短くはできません"
    message_en = "the law requires keeping the document at least this long"


class NotDue(DisposalError):
    message_ja = "まだ保存期間内の個人番号があります（理由を付けた早期廃棄のみ可能）"
    message_en = "a number is not due yet (only an early disposal with a reason)"


class StatutoryRetention(DisposalError):
    message_ja = "法定保存期間中の個人番号は早期廃棄できません"
    message_en = "a number inside a statutory retention period cannot be disposed early"


class NumberWasProvided(DisposalError):
    message_ja = (
        "提供・持出しの記録がある個人番号は「取得の必要がなかった」として廃棄できません"
        "（提出した書類の法定保存期間に従います）"
    )
    message_en = (
        "a number the vault provided or took out cannot be disposed of as never needed "
        "(the retention period of the document filed applies)"
    )


class NothingToDispose(DisposalError):
    message_ja = "廃棄対象の個人番号がありません"
    message_en = "no numbers to dispose"


class WrongBatchState(DisposalError):
    message_ja = "この廃棄バッチはこの操作ができる状態ではありません"
    message_en = "the disposal batch is not in a state for this"


class NeedsConfirmation(DisposalError):
    message_ja = "責任者の確認が済んでいません"
    message_en = "a manager has not confirmed this batch yet"


class NotYetScheduled(DisposalError):
    message_ja = "予定日時より前には実行できません"
    message_en = "the batch cannot run before its scheduled time"


class SettingLocked(DisposalError):
    message_ja = "中小規模事業者では責任者の確認は省略できません（別添1 2E d）"
    message_en = "a small business cannot turn off the manager's confirmation"


class InvalidCertificate(DisposalError):
    message_ja = "廃棄証明書はPDFまたは画像（PNG・JPEG）で提出してください"
    message_en = "the disposal certificate must be a PDF or an image (PNG, JPEG)"


class PlannerCannotConfirm(AuthorizationDenied):
    """A refusal like any other (audited), with its own words: who must confirm instead."""

    message_ja = (
        "廃棄バッチを計画した者は自ら確認できません。別の責任者が確認してください"
        "（中小規模事業者で責任者が一人の場合に限り、確認内容を記述して本人が確認できます）"
    )
    message_en = (
        "whoever planned a disposal batch cannot confirm it: another manager must "
        "(only the single responsible person of a small business may, with a written statement)"
    )


class StatementRequired(DisposalError):
    message_ja = (
        "自ら計画したバッチを確認するには、確認した内容の記述が必要です"
        "（中小規模事業者の責任者が一人の場合; 別添1 2E d）"
    )
    message_en = (
        "confirming a batch you planned yourself needs a written statement of what you "
        "checked (a small business's single responsible person; 別添1 2E d)"
    )
