"""Training, pledge and supervision errors, each in Japanese and English; none carries a number."""

from __future__ import annotations

from mnvault.vault.errors import NotFound, VaultError


class TrainingError(VaultError):
    message_ja = "研修・誓約書の記録を処理できません"
    message_en = "the training or pledge record cannot be processed"


class InvalidTraining(TrainingError):
    message_ja = "研修・誓約書の入力が正しくありません"
    message_en = "invalid training or pledge input"


class UnknownTraining(NotFound):
    message_ja = "その研修の記録はありません"
    message_en = "no such training record"


class UnknownMember(NotFound):
    message_ja = "その利用者はこの組織にいません"
    message_en = "no such user in this organisation"


class AttendanceFileInvalid(TrainingError):
    """The whole file is refused; the detail lists the lines at fault."""

    message_ja = "受講者ファイルに誤りがあります（1件も取り込んでいません）"
    message_en = "the attendance file has errors (nothing was imported)"


class PledgeRequired(TrainingError):
    message_ja = (
        "秘密保持の誓約書（または就業規則の該当条項への同意）の記録がないため、"
        "事務への割当てはできません"
    )
    message_en = (
        "no pledge of confidentiality (or acknowledgement of the work rules) is on record, "
        "so the user cannot be assigned to an affair"
    )
    status = 409
    kind = "pledge-required"
