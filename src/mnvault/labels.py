"""What people read for the codes the vault keeps: operations (audit actions), affairs,
roles, outcomes and refusal reasons, in Japanese (English under the language switch).

The codes (``number:read``, ``withholding_slip``, ``clerk``) stay what the trail, the API
and the CLI speak; a page shows :func:`label` and, for auditors, the code as secondary
text. An operation's label is its resource's and its verb's (番号 + 閲覧 → 番号の閲覧), so a
new audit action reads sensibly before anyone writes its own line; ``ACTIONS`` holds the
ones that read better whole. app.py hands :data:`GLOBALS` to the pages' environment.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context

from mnvault.access.role_names import BUSINESS
from mnvault.affairs.catalogue import CATALOGUE
from mnvault.vault.labels import PERSON_KINDS

Pair = tuple[str, str]

RESOURCES: dict[str, Pair] = {
    "access": ("アクセス", "access"),
    "access_conditions": ("利用条件", "access conditions"),
    "affair": ("事務", "affair"),
    "area": ("取扱区域", "handling area"),
    "area_entries": ("入退室記録", "area entries"),
    "area_mapping": ("入退室記録の列対応", "area entry mapping"),
    "assignment": ("事務の担当", "assignment"),
    "audit": ("監査証跡", "audit trail"),
    "auth": ("サインイン", "sign-in"),
    "compliance": ("安全管理措置", "safeguards"),
    "corrective_action": ("是正措置", "corrective action"),
    "department": ("部署", "department"),
    "device": ("機器", "device"),
    "device_certificate": ("機器の廃棄証明書", "device certificate"),
    "disposal": ("廃棄", "disposal"),
    "disposal_certificate": ("廃棄証明書", "disposal certificate"),
    "disposal_settings": ("廃棄の設定", "disposal settings"),
    "document": ("本人確認書類", "document"),
    "export": ("持出し", "take-out"),
    "foreign_place": ("外国での取扱い", "foreign place"),
    "import": ("取込み", "import"),
    "incident": ("漏えい等事案", "incident"),
    "inspection": ("点検・監査", "inspection"),
    "inspection_schedule": ("点検の予定", "inspection schedule"),
    "key": ("鍵", "key"),
    "keyring": ("鍵束", "keyring"),
    "media_takeout": ("媒体の持出し", "media take-out"),
    "number": ("個人番号", "My Number"),
    "organisation": ("組織", "organisation"),
    "outside_request": ("他組織への権限依頼", "outside request"),
    "outside_role": ("他組織での権限", "outside role"),
    "partner": ("委託先", "partner"),
    "people_settings": ("対象者の設定", "people settings"),
    "person": ("対象者", "person"),
    "places": ("取扱区域", "places"),
    "pledge": ("誓約書", "pledge"),
    "policy": ("取扱規程", "policy"),
    "provision": ("提供", "provision"),
    "retention_event": ("保存期間の起算事由", "retention event"),
    "retention_rule": ("保存期間の規則", "retention rule"),
    "role": ("役割", "role"),
    "spi_file": ("特定個人情報ファイル", "SPI file"),
    "storage_location": ("保管場所", "storage location"),
    "supervision": ("監督", "supervision"),
    "token": ("APIトークン", "API token"),
    "training": ("教育", "training"),
    "training_attendance": ("受講記録", "training attendance"),
    "training_plan": ("教育計画", "training plan"),
    "training_session": ("研修", "training session"),
    "user": ("利用者", "user"),
}

VERBS: dict[str, Pair] = {
    "acquire": ("取得", "acquire"),
    "add_affair": ("事務の追加", "add an affair"),
    "approve": ("承認", "approve"),
    "archive": ("保管", "archive"),
    "attach": ("資料の添付", "attach"),
    "aware": ("認知", "become aware"),
    "cancel": ("取消し", "cancel"),
    "close": ("完了", "close"),
    "complete": ("完了", "complete"),
    "confirm": ("確認", "confirm"),
    "contain": ("封じ込め", "contain"),
    "contract": ("契約", "contract"),
    "correct": ("訂正", "correct"),
    "create": ("登録", "create"),
    "define": ("定義", "define"),
    "delete": ("削除", "delete"),
    "denied": ("拒否", "denied"),
    "destroy": ("破棄", "destroy"),
    "dispose": ("廃棄", "dispose"),
    "download": ("ダウンロード", "download"),
    "draft": ("起案", "draft"),
    "due_list": ("廃棄対象の一覧", "due list"),
    "end": ("終了", "end"),
    "execute": ("実行", "execute"),
    "export": ("書出し", "export"),
    "finish": ("完了", "finish"),
    "grant": ("付与", "grant"),
    "import": ("取込み", "import"),
    "item_record": ("項目の記録", "record an item"),
    "link_check": ("照合", "link check"),
    "lookup": ("検索", "look up"),
    "open": ("登録", "open"),
    "plan": ("計画", "plan"),
    "prune": ("整理", "prune"),
    "publish": ("公表", "publish"),
    "query": ("照会", "query"),
    "read": ("閲覧", "read"),
    "record": ("記録", "record"),
    "refuse": ("却下", "refuse"),
    "reject": ("却下", "reject"),
    "report": ("報告書の作成", "report"),
    "report_to_chief": ("総括責任者への報告", "report to the chief"),
    "request": ("申請", "request"),
    "return": ("返却", "return"),
    "review": ("確認", "review"),
    "revoke": ("取消し", "revoke"),
    "rewrap": ("再暗号化", "rewrap"),
    "rotate": ("更新", "rotate"),
    "save": ("保存", "save"),
    "scope": ("範囲の集計", "scope"),
    "seal": ("封印", "seal"),
    "select": ("選定", "select"),
    "set": ("設定", "set"),
    "start": ("開始", "start"),
    "status": ("状況の確認", "status"),
    "step": ("対応の記録", "step"),
    "store": ("保管", "store"),
    "supervise": ("監督", "supervise"),
    "unseal": ("封印解除", "unseal"),
    "update": ("変更", "update"),
    "upload": ("アップロード", "upload"),
    "use": ("利用", "use"),
    "verify": ("検証", "verify"),
    "withdraw_affair": ("事務の取下げ", "withdraw an affair"),
}

# Operations that read better whole than as resource + verb.
ACTIONS: dict[str, Pair] = {
    "access:denied": ("アクセス拒否", "access denied"),
    "takeout_recipient:add": ("持出し先の登録", "take-out recipient registered"),
    "takeout_recipient:remove": ("持出し先の削除", "take-out recipient removed"),
    "audit:checkpoint_refused": ("チェックポイントの拒否", "checkpoint refused"),
    "auth:lockout": ("アカウントのロック", "account locked"),
    "auth:login": ("サインイン", "signed in"),
    "auth:login_failed": ("サインイン失敗", "sign-in failed"),
    "auth:logout": ("サインアウト", "signed out"),
    "auth:logout_all": ("全セッションのサインアウト", "signed out everywhere"),
    "auth:password_change": ("パスワード変更", "password changed"),
    "auth:password_reset": ("パスワード再設定", "password reset"),
    "auth:second_factor": ("確認コードの入力", "second factor"),
    "auth:totp_enrol": ("認証アプリの登録", "authenticator enrolled"),
    "auth:totp_reset": ("認証アプリの再設定", "authenticator reset"),
    "auth:unlock": ("ロック解除", "unlocked"),
    "compliance:evidence_pack": ("証跡一式の作成", "evidence pack"),
    "compliance:evidence_record": ("措置の実施記録", "evidence recorded"),
    "compliance:settings_update": ("安全管理措置の設定変更", "safeguard settings updated"),
    "compliance:status": ("安全管理措置の状況確認", "safeguard status"),
    "number:link_check": ("個人番号の照合", "number link check"),
    "organisation:linking_check": ("組織の照合", "organisation linking check"),
    "organisation:small_business_answer": ("中小規模事業者の回答", "small-business answer"),
    "partner:subcontract_approve": ("再委託の承認", "subcontract approved"),
    "partner:subcontract_refuse": ("再委託の却下", "subcontract refused"),
    "partner:subcontract_request": ("再委託の申請", "subcontract requested"),
    "token:use": ("APIトークンの利用", "API token used"),
}

OUTCOMES: dict[str, Pair] = {
    "ok": ("成功", "succeeded"),
    "denied": ("拒否", "denied"),
    "failed": ("失敗", "failed"),
}

ROLES: dict[str, Pair] = {str(role): (ja, en) for role, (ja, en, _source) in BUSINESS.items()}

AFFAIRS: dict[str, Pair] = {a.code: (a.name_ja, a.name_en) for a in CATALOGUE}

# Why access was refused (access.policy.plain and the services' own refusals): the
# Japanese; the English is the reason as recorded.
REASONS: dict[str, str] = {
    "no role in this organisation": "この組織での役割がありません",
    "no reach admits this": "担当範囲の外です",
    "no assignment": "担当する事務がありません",
    "person outside every assignment": "担当範囲外の対象者です",
    "no affair named": "事務が指定されていません",
    "not assigned to this affair": "この事務の担当ではありません",
    "outside office hours": "執務時間外です",
    "client address unknown (handling area)": "接続元が不明です（取扱区域）",
    "client outside the handling area": "取扱区域外からの接続です",
    "no affair chosen": "事務が選ばれていません",
    "requester cannot approve": "申請者は自分の申請を承認できません",
    "planner cannot confirm": "計画した人は確認できません",
    "only the requester downloads": "ダウンロードできるのは申請者のみです",
    "not the operator": "運営者ではありません",
    "affair outside the token's scope": "トークンの対象外の事務です",
}
_REASON_PREFIXES: dict[str, str] = {
    "person outside the assignment": "担当範囲外の対象者です",
    "no role grants": "役割に権限がありません",
}

# The persons file's columns (vault.csvfile): the names stay what the file's first line
# holds; the label says what goes in them.
CSV_COLUMNS: dict[str, Pair] = {
    "external_ref": ("社員番号等", "employee number or other reference"),
    "kind": ("区分（従業員・扶養親族など）", "kind (employee, dependant …)"),
    "name": ("氏名", "name"),
    "my_number": ("個人番号", "My Number"),
    "number_check_document": ("番号確認の書類", "number check document"),
    "identity_check_document": ("身元確認の書類", "identity check document"),
    "verified_at": ("本人確認の日", "day of the identity check"),
    "department_code": ("部署コード", "department code"),
    "related_external_ref": ("扶養する従業員の社員番号等", "the employee's reference"),
    "relationship_start": ("入社日・関係の開始日", "start of the relationship"),
    "relationship_end": ("退職日・関係の終了日", "end of the relationship"),
    "documents": ("確認書類（複数）", "documents"),
    "document_note": ("書類の補足", "document note"),
    "verification_exemption": ("本人確認が不要な理由", "why no identity check is owed"),
}

# A take-out file's columns (vault.takeout_file.COLUMNS): the file's Japanese header line
# and the approver's preview name them alike.
TAKEOUT_COLUMNS: dict[str, Pair] = {
    "external_ref": ("社員番号等", "employee number etc."),
    "kind": ("区分", "kind"),
    "name": ("氏名", "name"),
    "my_number": ("個人番号", "My Number"),
}

# How binding a safeguard is (compliance.catalogue.Obligation).
OBLIGATIONS: dict[str, Pair] = {
    "required": ("義務", "required"),
    "desirable": ("望ましい", "desirable"),
    "not_applicable": ("対象外", "not applicable"),
    "required_small_business_form": ("義務（中小規模事業者の方法）", "required (small firms)"),
}

AFFAIR_KINDS: dict[str, Pair] = {
    "related": ("個人番号関係事務", "number-related affair"),
    "use": ("個人番号利用事務", "number-use affair"),
}

OTHER = ("その他", "other")


def action(code: str) -> Pair:
    if code in ACTIONS:
        return ACTIONS[code]
    resource, _, verb = code.partition(":")
    if resource in RESOURCES and verb in VERBS:
        (rj, re_), (vj, ve) = RESOURCES[resource], VERBS[verb]
        return f"{rj}の{vj}", f"{re_}: {ve}"
    return OTHER


def reason(recorded: str) -> Pair:
    if recorded in REASONS:
        return REASONS[recorded], recorded
    for prefix, ja in _REASON_PREFIXES.items():
        if recorded.startswith(prefix):
            return ja, recorded
    return "アクセスが拒否されました", recorded


_KINDS: dict[str, Any] = {
    "action": action,
    "affair": lambda code: AFFAIRS.get(code, (code, code)),
    "role": lambda code: ROLES.get(code, OTHER),
    "outcome": lambda code: OUTCOMES.get(code, OTHER),
    "reason": reason,
    "affair_kind": lambda code: AFFAIR_KINDS.get(code, OTHER),
    "person_kind": lambda code: PERSON_KINDS.get(code, OTHER),
    "csv_column": lambda code: CSV_COLUMNS.get(code, (code, code)),
    "takeout_column": lambda code: TAKEOUT_COLUMNS.get(code, (code, code)),
    "obligation": lambda code: OBLIGATIONS.get(code, OTHER),
    "media_type": lambda code: MEDIA_TYPES.get(code, ("ファイル", "file")),
}


def pair(kind: str, code: object) -> Pair:
    """The (ja, en) label of ``code`` of ``kind`` (action, affair, role, outcome, reason)."""
    return _KINDS[kind](str(getattr(code, "value", code)))  # type: ignore[no-any-return]


def text(kind: str, code: object, lang: str = "ja") -> str:
    ja, en = pair(kind, code)
    return ja if lang == "ja" else en


MEDIA_TYPES: dict[str, Pair] = {
    "application/pdf": ("PDF", "PDF"),
    "image/jpeg": ("JPEG画像", "JPEG image"),
    "image/png": ("PNG画像", "PNG image"),
    "text/csv": ("CSV", "CSV"),
    "text/plain": ("テキスト", "text"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("Excel", "Excel"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("Word", "Word"),
}


@pass_context
def _label(context: Any, kind: str, code: object) -> str:
    """In a template: ``label("action", e.action)`` in the page's language."""
    if code is None or code == "":
        return ""
    return text(kind, code, context.get("lang", "ja"))


@pass_context
def _labels(context: Any, kind: str, codes: Any) -> str:
    """``label_list("affair", t.affairs)``: the labels, joined as a Japanese list."""
    lang = context.get("lang", "ja")
    return ("、" if lang == "ja" else ", ").join(text(kind, c, lang) for c in codes or ())


GLOBALS: dict[str, Any] = {"label": _label, "label_list": _labels}
