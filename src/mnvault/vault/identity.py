"""本人確認 (番号法第16条): what one verification records and the rules it must meet, once,
for acquire, correct, the API, the screen and the CSV import (issue #13).

One verification is a list of documents, optionally an agent (代理人), or instead of
documents the reason no 第16条 check is owed. The rule tables below carry their source:
番号法 and 事業者編 are in shared/legal; 施行令第12条 and 施行規則 are not and are cited
"outside shared/legal — verify on e-Gov".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

from mnvault.vault.errors import InvalidInput
from mnvault.vault.freetext import without_number

EGOV = "outside shared/legal — verify on e-Gov"
JST = timezone(timedelta(hours=9))


class Document(StrEnum):
    MY_NUMBER_CARD = "my_number_card"
    CARD_SUBSTITUTE_RECORD = "card_substitute_record"
    NOTIFICATION_CARD = "notification_card"
    RESIDENCE_CERTIFICATE = "residence_certificate"
    RESIDENCE_ITEMS_CERTIFICATE = "residence_items_certificate"
    EMPLOYER_RECORD = "employer_record"
    OTHER_NUMBER = "other_number"
    DRIVERS_LICENCE = "drivers_licence"
    DRIVING_HISTORY_CERTIFICATE = "driving_history_certificate"
    PASSPORT = "passport"
    RESIDENCE_CARD = "residence_card"
    SPECIAL_PERMANENT_RESIDENT_CERTIFICATE = "special_permanent_resident_certificate"
    PHYSICAL_DISABILITY_HANDBOOK = "physical_disability_handbook"
    REHABILITATION_HANDBOOK = "rehabilitation_handbook"
    MENTAL_HEALTH_HANDBOOK = "mental_health_handbook"
    EMPLOYER_KNOWN = "employer_known"
    HEALTH_INSURANCE_ELIGIBILITY_CERTIFICATE = "health_insurance_eligibility_certificate"
    HEALTH_INSURANCE_CARD = "health_insurance_card"
    PENSION_BOOK = "pension_book"
    CHILD_SUPPORT_ALLOWANCE_CERTIFICATE = "child_support_allowance_certificate"
    OTHER_IDENTITY = "other_identity"


class Proof(StrEnum):
    """What a document settles for 身元確認: alone (a photo ID, or 規2⑥ for employees),
    or only as one of two (the non-photo documents of 規1①三)."""

    ALONE = "alone"
    ONE_OF_TWO = "one_of_two"


@dataclass(frozen=True, slots=True)
class DocumentRule:
    ja: str
    en: str
    citation: str
    number: bool = False  # settles 番号確認
    identity: Proof | None = None  # settles 身元確認, alone or as one of two
    condition_ja: str = ""
    condition_en: str = ""
    last_day: date | None = None  # refused for checks dated after this day (JST)
    needs_description: bool = False
    employees_only: bool = False
    needs_earlier_record: bool = False
    # 告知要求制限 (健康保険法第194条の2 等): images must hide the 被保険者等記号・番号.
    mask_insurer_symbol: bool = False


_NOTIFICATION_JA = "記載事項（氏名・住所等）に変更がない場合に限る"
_NOTIFICATION_EN = "only while its entries (name, address …) are unchanged"
_MASK = True

DOCUMENTS: dict[Document, DocumentRule] = {
    Document.MY_NUMBER_CARD: DocumentRule(
        "個人番号カード", "My Number Card",
        "番号法第16条第1号", number=True, identity=Proof.ALONE,
    ),
    Document.CARD_SUBSTITUTE_RECORD: DocumentRule(
        "カード代替電磁的記録（スマートフォンの個人番号カード）",
        "card substitute record (My Number Card on a smartphone)",
        "番号法第16条第2号・第2条第8項", number=True, identity=Proof.ALONE,
    ),
    Document.NOTIFICATION_CARD: DocumentRule(
        "通知カード", "notification card",
        "事業者編 第4-3-(4) 参考2（通知カードの廃止に係る経過措置）", number=True,
        condition_ja=_NOTIFICATION_JA, condition_en=_NOTIFICATION_EN,
    ),
    Document.RESIDENCE_CERTIFICATE: DocumentRule(
        "住民票の写し（個人番号付き）", "residence certificate (with the number)",
        f"施行令第12条第1項第1号 ({EGOV})", number=True,
    ),
    Document.RESIDENCE_ITEMS_CERTIFICATE: DocumentRule(
        "住民票記載事項証明書（個人番号付き）",
        "certificate of residence-record entries (with the number)",
        f"施行令第12条第1項第1号 ({EGOV})", number=True,
    ),
    Document.EMPLOYER_RECORD: DocumentRule(
        "過去に本人確認の上作成した特定個人情報ファイル",
        "a file made earlier after verifying the person",
        f"施行規則第2条第1項 ({EGOV})", number=True, needs_earlier_record=True,
    ),
    Document.OTHER_NUMBER: DocumentRule(
        "その他の番号確認書類", "other number-check document",
        f"施行規則第2条第1項 ({EGOV})", number=True, needs_description=True,
    ),
    Document.DRIVERS_LICENCE: DocumentRule(
        "運転免許証", "driving licence", f"施行規則第1条第1項第1号 ({EGOV})",
        identity=Proof.ALONE,
    ),
    Document.DRIVING_HISTORY_CERTIFICATE: DocumentRule(
        "運転経歴証明書", "certificate of driving history",
        f"施行規則第1条第1項第1号 ({EGOV})", identity=Proof.ALONE,
    ),
    Document.PASSPORT: DocumentRule(
        "旅券（パスポート）", "passport", f"施行規則第1条第1項第1号 ({EGOV})",
        identity=Proof.ALONE,
    ),
    Document.RESIDENCE_CARD: DocumentRule(
        "在留カード", "residence card", f"施行規則第1条第1項第1号 ({EGOV})",
        identity=Proof.ALONE,
    ),
    Document.SPECIAL_PERMANENT_RESIDENT_CERTIFICATE: DocumentRule(
        "特別永住者証明書", "special permanent resident certificate",
        f"施行規則第1条第1項第1号 ({EGOV})", identity=Proof.ALONE,
    ),
    Document.PHYSICAL_DISABILITY_HANDBOOK: DocumentRule(
        "身体障害者手帳", "physical disability certificate",
        f"施行規則第1条第1項第1号 ({EGOV})", identity=Proof.ALONE,
    ),
    Document.REHABILITATION_HANDBOOK: DocumentRule(
        "療育手帳", "rehabilitation certificate",
        f"施行規則第1条第1項第1号 ({EGOV})", identity=Proof.ALONE,
    ),
    Document.MENTAL_HEALTH_HANDBOOK: DocumentRule(
        "精神障害者保健福祉手帳", "mental health and welfare certificate",
        f"施行規則第1条第1項第1号 ({EGOV})", identity=Proof.ALONE,
    ),
    Document.EMPLOYER_KNOWN: DocumentRule(
        "雇用関係にあり本人と知覚できる", "an employee known to the employer",
        f"施行規則第2条第6項 ({EGOV}); 事業者編 第4-3-(4) 参考1 (規2⑥)",
        identity=Proof.ALONE, employees_only=True,
    ),
    Document.HEALTH_INSURANCE_ELIGIBILITY_CERTIFICATE: DocumentRule(
        "健康保険の資格確認書", "health insurance eligibility certificate",
        f"施行規則第1条第1項第3号 ({EGOV})", identity=Proof.ONE_OF_TWO,
        mask_insurer_symbol=_MASK,
    ),
    # 被保険者証: no longer issued from 2024-12-02; the old cards served for at most a
    # year, to 2025-12-01 (健康保険法等改正附則, outside shared/legal — verify on e-Gov).
    Document.HEALTH_INSURANCE_CARD: DocumentRule(
        "健康保険の被保険者証", "health insurance card",
        f"施行規則第1条第1項第3号 ({EGOV})", identity=Proof.ONE_OF_TWO,
        last_day=date(2025, 12, 1), mask_insurer_symbol=_MASK,
    ),
    Document.PENSION_BOOK: DocumentRule(
        "年金手帳", "pension book", f"施行規則第1条第1項第3号 ({EGOV})",
        identity=Proof.ONE_OF_TWO,
    ),
    Document.CHILD_SUPPORT_ALLOWANCE_CERTIFICATE: DocumentRule(
        "児童扶養手当証書", "child support allowance certificate",
        f"施行規則第1条第1項第3号 ({EGOV})", identity=Proof.ONE_OF_TWO,
    ),
    Document.OTHER_IDENTITY: DocumentRule(
        "その他の身元確認書類", "other identity document",
        f"施行規則第1条第1項第3号 ({EGOV})", identity=Proof.ONE_OF_TWO,
        needs_description=True,
    ),
}  # fmt: skip


class Authority(StrEnum):
    """代理権の確認 (施行令第12条第2項第1号; 施行規則第6条)."""

    LEGAL_REPRESENTATIVE = "legal_representative"
    POWER_OF_ATTORNEY = "power_of_attorney"
    OTHER = "other"


AUTHORITIES: dict[Authority, tuple[str, str, str]] = {
    Authority.LEGAL_REPRESENTATIVE: (
        "法定代理人: 戸籍謄本その他その資格を証明する書類",
        "legal representative: family register or other proof of the status",
        f"施行規則第6条第1項第1号 ({EGOV})",
    ),
    Authority.POWER_OF_ATTORNEY: (
        "任意代理人: 委任状", "appointed agent: power of attorney",
        f"施行規則第6条第1項第2号 ({EGOV})",
    ),
    Authority.OTHER: (
        "その他（困難な場合）", "other (where the above are hard to obtain)",
        f"施行規則第6条第1項第3号 ({EGOV})",
    ),
}  # fmt: skip


class Exemption(StrEnum):
    """Numbers received otherwise than from the person (第16条: 本人から…提供を受けるとき)."""

    ARTICLE_19_4 = "article_19_4"
    DEPENDANT_VIA_EMPLOYEE = "dependant_via_employee"


EXEMPTIONS: dict[Exemption, tuple[str, str, str, str]] = {
    # (ja, en, citation, the person kind it is for)
    Exemption.ARTICLE_19_4: (
        "番号法第19条第4号による提供（転籍・出向等の前の使用者等から）",
        "provided under Article 19(4) by the former employer",
        "番号法第19条第4号; 事業者編 第4-3-(2) (第4号) 「本人確認は不要」", "employee",
    ),
    Exemption.DEPENDANT_VIA_EMPLOYEE: (
        "扶養控除等申告書により従業員から（扶養親族の本人確認は従業員が行う）",
        "through the employee on the dependants declaration (the employee verifies)",
        "番号法第16条（本人から提供を受けるとき）; 所得税法第194条第1項; "
        "事業者編 第4-3-(2) (第2号) 扶養控除等申告書", "dependent",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Presented:
    document: Document
    description: str = ""


@dataclass(frozen=True, slots=True)
class Agent:
    """代理人 (施行令第12条第2項): the authority, the agent's own identity documents;
    the person's number is checked by the verification's documents (規8)."""

    authority: Authority
    identity_documents: tuple[Presented, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Verification:
    documents: tuple[Presented, ...] = ()
    agent: Agent | None = None
    exemption: Exemption | None = None
    # The codes the record's two legacy columns hold.
    legacy: tuple[str, str] = field(default=("", ""), compare=False)

    def to_json(self) -> str:
        return json.dumps(
            {
                "documents": [_doc_json(p) for p in self.documents],
                "agent": None
                if self.agent is None
                else {
                    "authority": self.agent.authority.value,
                    "description": self.agent.description,
                    "identity_documents": [_doc_json(p) for p in self.agent.identity_documents],
                },
                "exemption": self.exemption.value if self.exemption else None,
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    def columns(self) -> tuple[str, str]:
        """The two columns of records before issue #13 (String(32)): the first document in
        each older list, else "exempt" or "list" (the whole check is in the JSON)."""
        if self.exemption is not None:
            return "exempt", "exempt"
        number = next((p.document.value for p in self.documents if p.document in _OLD_NUMBER), "")
        docs = self.agent.identity_documents if self.agent else self.documents
        ident = next((p.document.value for p in docs if p.document in _OLD_IDENTITY), "")
        return number or "list", ident or "list"


def _doc_json(presented: Presented) -> dict[str, str]:
    return {"document": presented.document.value, "description": presented.description}


def _presented(raw: dict[str, str]) -> Presented:
    return Presented(Document(raw["document"]), raw.get("description", ""))


# The two columns of a record made before issue #13, read as documents.
_OLD_NUMBER = frozenset(
    {
        Document.MY_NUMBER_CARD,
        Document.NOTIFICATION_CARD,
        Document.RESIDENCE_CERTIFICATE,
        Document.EMPLOYER_RECORD,
    }
)
_OLD_IDENTITY = frozenset(
    {
        Document.MY_NUMBER_CARD,
        Document.DRIVERS_LICENCE,
        Document.PASSPORT,
        Document.HEALTH_INSURANCE_CARD,
        Document.PENSION_BOOK,
        Document.EMPLOYER_KNOWN,
    }
)
_LEGACY_NUMBER = {"other": Document.OTHER_NUMBER}
_LEGACY_IDENTITY = {"other": Document.OTHER_IDENTITY}


def from_legacy(number_code: str, identity_code: str, description: str = "") -> Verification:
    """A verification given as one number-check and one identity-check code."""
    try:
        number = _LEGACY_NUMBER.get(number_code) or Document(number_code)
        ident = _LEGACY_IDENTITY.get(identity_code) or Document(identity_code)
    except ValueError:
        raise InvalidInput(
            "本人確認書類の種別が不明です", "unknown verification document"
        ) from None
    docs = list(dict.fromkeys((number, ident)))
    return Verification(
        tuple(Presented(d, description if DOCUMENTS[d].needs_description else "") for d in docs),
        legacy=(number_code, identity_code),
    )


def stored(blob: str | None, number_code: str, identity_code: str) -> Verification:
    """A record's verification as stored: the JSON of issue #13, else the two columns
    of an older record (kept readable even where today's rules would refuse it)."""
    if not blob:
        try:
            return from_legacy(number_code, identity_code)
        except InvalidInput:
            return Verification(legacy=(number_code, identity_code))
    raw = json.loads(blob)
    agent = raw.get("agent")
    return Verification(
        tuple(_presented(d) for d in raw.get("documents", [])),
        Agent(
            Authority(agent["authority"]),
            tuple(_presented(d) for d in agent.get("identity_documents", [])),
            agent.get("description", ""),
        )
        if agent
        else None,
        Exemption(raw["exemption"]) if raw.get("exemption") else None,
        legacy=(number_code, identity_code),
    )


def parse_documents(text: str, description: str = "") -> tuple[Presented, ...]:
    """A list form: codes separated by semicolons (``drivers_licence;my_number_card``)."""
    codes = [c.strip() for c in text.replace("；", ";").split(";") if c.strip()]
    try:
        docs = [Document(c) for c in dict.fromkeys(codes)]
    except ValueError:
        raise InvalidInput(
            "本人確認書類の種別が不明です", "unknown verification document"
        ) from None
    return tuple(Presented(d, description if DOCUMENTS[d].needs_description else "") for d in docs)


def _refuse(ja: str, en: str) -> InvalidInput:
    return InvalidInput(f"本人確認: {ja}", f"identity verification: {en}")


def _check_documents(
    docs: Sequence[Presented], *, day: date, kind: str, earlier_verified: bool
) -> None:
    for presented in docs:
        rule = DOCUMENTS[presented.document]
        if presented.description:
            without_number(presented.description, "本人確認書類の内容", "document description")
        if rule.needs_description and not presented.description.strip():
            raise _refuse(
                f"「{rule.ja}」には内容の記載が必要です", f"{rule.en} needs a description"
            )
        if rule.last_day is not None and day > rule.last_day:
            raise _refuse(
                f"{rule.ja}は{rule.last_day.isoformat()}より後の確認には使えません（{rule.citation}）",
                f"a {rule.en} is not accepted for checks after {rule.last_day.isoformat()}",
            )
        if rule.employees_only and kind != "employee":
            raise _refuse(f"「{rule.ja}」は従業員に限ります", f"'{rule.en}' is for employees only")
        if rule.needs_earlier_record and not earlier_verified:
            raise _refuse(
                f"「{rule.ja}」は本人確認済みの記録がある場合に限ります",
                f"'{rule.en}' needs an earlier verified record of this person",
            )


def _identity_settled(docs: Iterable[Presented]) -> bool:
    proofs = [DOCUMENTS[p.document].identity for p in docs]
    if Proof.ALONE in proofs:
        return True
    return sum(1 for p in proofs if p is Proof.ONE_OF_TWO) >= 2


def check(
    verification: Verification, *, kind: str, verified_at: datetime, earlier_verified: bool
) -> None:
    """The rules of one 本人確認; raises :class:`InvalidInput` naming the first unmet."""
    if verification.exemption is not None:
        ja, en, _citation, for_kind = EXEMPTIONS[verification.exemption]
        if verification.documents or verification.agent:
            raise _refuse(
                "確認不要の理由と書類は同時に記録できません",
                "a reason no check is owed excludes documents",
            )
        if kind != for_kind:
            raise _refuse(f"「{ja}」は {for_kind} に限ります", f"'{en}' is for {for_kind} only")
        return
    day = (verified_at if verified_at.tzinfo else verified_at.replace(tzinfo=UTC)).astimezone(JST)
    docs = verification.documents
    if not docs:
        raise _refuse("書類を指定してください", "name the documents checked")
    _check_documents(docs, day=day.date(), kind=kind, earlier_verified=earlier_verified)
    if not any(DOCUMENTS[p.document].number for p in docs):
        raise _refuse("番号確認書類がありません", "no document checks the number")
    agent = verification.agent
    if agent is None:
        if not _identity_settled(docs):
            raise _refuse(
                "身元確認には写真付きの書類1点、または写真のない書類2点が必要です",
                "identity needs one photo document or two without a photo",
            )
        return
    if agent.authority is Authority.OTHER and not agent.description.strip():
        raise _refuse("代理権の確認書類の内容を記載してください", "describe the proof of authority")
    if agent.description:
        without_number(agent.description, "代理権の確認", "agent authority")
    if any(DOCUMENTS[p.document].employees_only for p in agent.identity_documents):
        raise _refuse("代理人の身元確認に使えない書類です", "not a proof of the agent's identity")
    _check_documents(agent.identity_documents, day=day.date(), kind="", earlier_verified=False)
    if not _identity_settled(agent.identity_documents):
        raise _refuse(
            "代理人の身元確認には写真付きの書類1点、または写真のない書類2点が必要です",
            "the agent's identity needs one photo document or two without a photo",
        )


def upload_warning(verification: Verification) -> tuple[str, str] | None:
    """The warning owed where an image of an insurance document may be uploaded."""
    docs = verification.documents + (
        verification.agent.identity_documents if verification.agent else ()
    )
    if any(DOCUMENTS[p.document].mask_insurer_symbol for p in docs):
        return MASK_WARNING
    return None


MASK_WARNING = (
    "健康保険の資格確認書・被保険者証の画像は、被保険者等記号・番号をマスキングしてから"
    "登録してください（告知要求制限: 健康保険法第194条の2 等、"
    f"{EGOV}）。",
    "Mask the insured person's symbol and number on images of health insurance "
    "documents before uploading them (Health Insurance Act Art. 194-2 and others).",
)


def _doc_text(presented: Presented, lang: int) -> str:
    rule = DOCUMENTS[presented.document]
    text = (rule.ja, rule.en)[lang]
    condition = (rule.condition_ja, rule.condition_en)[lang]
    if condition:
        text += f"（{condition}）" if lang == 0 else f" ({condition})"
    if presented.description:
        text += f": {presented.description}"
    return text


def describe(verification: Verification) -> tuple[str, str]:
    """The verification in words (Japanese, English), for the record's page and the CLI."""
    if verification.exemption is not None:
        ja, en, citation, _kind = EXEMPTIONS[verification.exemption]
        return f"確認不要: {ja}（{citation}）", f"no check owed: {en} ({citation})"
    if not verification.documents:
        number, ident = verification.legacy
        return f"番号確認 {number}、身元確認 {ident}", f"number check {number}, identity {ident}"
    parts = []
    for lang in (0, 1):
        text = ("、" if lang == 0 else ", ").join(
            _doc_text(p, lang) for p in verification.documents
        )
        agent = verification.agent
        if agent is not None:
            authority = AUTHORITIES[agent.authority][lang]
            docs = ("、" if lang == 0 else ", ").join(
                _doc_text(p, lang) for p in agent.identity_documents
            )
            text += (
                f"／代理人: {authority}; 代理人の身元確認: {docs}"
                if lang == 0
                else f" / agent: {authority}; agent's identity: {docs}"
            )
        parts.append(text)
    return parts[0], parts[1]


def from_fields(
    documents: Sequence[str],
    *,
    note: str = "",
    exemption: str = "",
    agent_authority: str = "",
    agent_documents: Sequence[str] = (),
    agent_note: str = "",
) -> Verification:
    """A verification from the codes a form or a file gives (unknown codes refused)."""
    try:
        if exemption:
            return Verification(exemption=Exemption(exemption))
        agent = (
            Agent(
                Authority(agent_authority),
                parse_documents(";".join(agent_documents), note),
                agent_note.strip(),
            )
            if agent_authority
            else None
        )
    except ValueError:
        raise InvalidInput("本人確認の指定が不明です", "unknown verification choice") from None
    return Verification(parse_documents(";".join(documents), note.strip()), agent)
