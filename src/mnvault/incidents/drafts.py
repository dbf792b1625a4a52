"""Drafts filled from an incident: the PPC report (速報, 確報), the notice to the persons, the
alternative when notice is impossible, the publication text and the 委託先→委託元 notice.

Pure: an IncidentView in, ``[(heading, text), …]`` out; every text passes ``redact`` once more
on the way out, so no draft can carry a number whatever was typed (別添1 2C c). The headings
are the items 別添2 lists (3D (1)–(9), 4C, 4E); the 規則 is quoted from 別添2 (verify on e-Gov).
"""

from __future__ import annotations

import html
import io

from mnvault import local_time
from mnvault.incidents.facts import EVENT_JA, Event
from mnvault.incidents.shapes import IncidentView
from mnvault.numbers import redact
from mnvault.spreadsheet import neutralise

KINDS = {
    "preliminary": ("委員会への報告（速報）", "PPC report — preliminary (規則第3条第1項)"),
    "final": ("委員会への報告（確報）", "PPC report — final (規則第3条第2項)"),
    "notice_persons": ("本人への通知", "Notice to the persons (番号法第29条の4第2項・規則第5条)"),
    "alternative": ("本人への通知に代わる措置", "Alternative to notice (別添2 4E)"),
    "publication": ("公表文", "Publication (別添2 2E)"),
    "outsourcer_notice": ("委託元への通知", "Notice to the outsourcer (規則第4条)"),
}

TODO = "（記入してください / to be completed）"

# 別添2 3D (1)–(9): the items of 規則第3条第1項.
PPC_ITEMS = (
    "(1) 概要",
    "(2) 特定個人情報の項目",
    "(3) 特定個人情報に係る本人の数",
    "(4) 原因",
    "(5) 二次被害又はそのおそれの有無及びその内容",
    "(6) 本人への対応の実施状況",
    "(7) 公表の実施状況",
    "(8) 再発防止のための措置",
    "(9) その他参考となる事項",
)


def _note(view: IncidentView, step: str) -> str:
    for found in view.steps:
        if found.step == step and found.note:
            return found.note
    return TODO


def _overview(view: IncidentView) -> str:
    a = view.assessment
    categories = (
        "・".join(f"第{n}号" for n in a.categories) or "該当なし（ガイドラインに基づく報告）"
    )
    aware = "、".join(f"{x.unit} {local_time.day(x.aware_on)}" for x in view.awareness)
    lines = [
        f"件名: {view.title}",
        f"発生事案: {EVENT_JA[Event(view.event)]}",
        f"発覚日（いずれかの部署が知った日）: {local_time.day(view.aware_date)}（{aware}）",
        f"発見者: {view.reporter or TODO}",
        f"規則第2条各号該当性: {categories}",
        "委託元及び委託先の有無: "
        + ("当組織は委託先（委託元へ通知）" if view.flags.get("outsourcee") else TODO),
        f"事実経過: {view.summary or TODO}",
    ]
    return "\n".join(lines)


def _items(view: IncidentView) -> str:
    files = f"（特定個人情報ファイル {len(view.spi_file_ids)} 件）" if view.spi_file_ids else ""
    return (view.systems_note or TODO) + files


def _persons(view: IncidentView) -> str:
    counted = view.scope.persons
    shown = max(view.persons_max, counted or 0)
    basis = (
        "監査証跡による影響範囲" if counted is not None and counted >= view.persons_max else "推計"
    )
    return f"最大 {shown} 人（{basis}。確定できない場合は最大数）"


def _other(view: IncidentView) -> str:
    acts = "、".join(f"{a.act}（{a.result or ''}）" for a in view.acts)
    due = view.assessment.final_report_due
    parts = [
        f"被害拡大防止の措置: {_note(view, '2A')}",
        f"実施した封じ込め: {acts or 'なし'}",
    ]
    if due is not None:
        parts.append(f"確報期限: {local_time.day(due)}")
    return "\n".join(parts)


def _ppc(view: IncidentView) -> list[tuple[str, str]]:
    texts = (
        _overview(view),
        _items(view),
        _persons(view),
        _note(view, "2B"),
        TODO,
        _note(view, "2E"),
        _note(view, "2E-pub"),
        _note(view, "2D"),
        _other(view),
    )
    return list(zip(PPC_ITEMS, texts, strict=True))


def _notice(view: IncidentView, organisation: str) -> list[tuple[str, str]]:
    """規則第5条: the items of 第3条第1項 第1・2・4・5・9号, in words for the person."""
    return [
        ("宛先", "本人 各位"),
        ("差出人", organisation),
        ("概要", f"{local_time.day(view.aware_date)}に判明した{EVENT_JA[Event(view.event)]}について"
                 f"お知らせいたします。{view.summary or TODO}"),
        ("対象となった特定個人情報の項目", _items(view)),
        ("原因", _note(view, "2B")),
        ("二次被害又はそのおそれの有無及びその内容", TODO),
        ("その他参考となる事項（ご自身でとり得る措置・お問合せ先）", TODO),
        ("お詫び", "ご迷惑とご心配をおかけしますことを深くお詫び申し上げます。"),
    ]  # fmt: skip


def _alternative(view: IncidentView, organisation: str) -> list[tuple[str, str]]:
    return [
        ("通知が困難な理由", TODO),
        ("代替措置", "事案の公表、及び問合せ窓口を設け、その連絡先を公表して、本人が自らの"
                    "特定個人情報が対象となっているか否かを確認できるようにする（別添2 4E）。"),
        ("問合せ窓口", f"{organisation} {TODO}"),
        ("公表する内容", "本人へ通知すべき内容を基本とする（概要、項目、原因、二次被害等）。"),
    ]  # fmt: skip


def _publication(view: IncidentView, organisation: str) -> list[tuple[str, str]]:
    return [
        ("表題", f"特定個人情報の{EVENT_JA[Event(view.event)]}に関するお知らせとお詫び"),
        ("公表者", organisation),
        ("事実関係", view.summary or TODO),
        ("対象となった特定個人情報の項目", _items(view)),
        ("原因", _note(view, "2B")),
        ("再発防止策", _note(view, "2D")),
        ("お問合せ窓口", TODO),
    ]


def _outsourcer(view: IncidentView, organisation: str) -> list[tuple[str, str]]:
    """規則第4条: the items of 第3条第1項 known at the time, to the outsourcer, promptly."""
    head = [
        ("宛先", f"委託元 {TODO}"),
        ("通知者（委託先）", organisation),
        ("根拠", "番号法第29条の4第1項ただし書・規則第4条（別添2 3F）。本通知により委託先の"
                 "委員会への報告義務及び本人への通知義務は免除される。"),
    ]  # fmt: skip
    return head + _ppc(view)


def sections(view: IncidentView, kind: str, organisation: str) -> list[tuple[str, str]]:
    """The draft of ``kind`` filled from ``view``; every text number-masked."""
    if kind in ("preliminary", "final"):
        built = _ppc(view)
    elif kind == "notice_persons":
        built = _notice(view, organisation)
    elif kind == "alternative":
        built = _alternative(view, organisation)
    elif kind == "publication":
        built = _publication(view, organisation)
    else:
        built = _outsourcer(view, organisation)
    return [(redact(h), redact(t)) for h, t in built]


def to_html(title: str, organisation: str, body: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<h2>{html.escape(h)}</h2><p>{html.escape(t).replace(chr(10), '<br>')}</p>"
        for h, t in body
    )
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><style>'
        'body{font-family:"Noto Sans CJK JP","Noto Sans JP",sans-serif;font-size:10.5pt;'
        "line-height:1.6}h1{font-size:15pt}h2{font-size:11pt;border-bottom:1px solid #999}"
        f"</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(organisation)}</p>{rows}</body></html>"
    )


def to_pdf(title: str, organisation: str, body: list[tuple[str, str]]) -> bytes:
    """WeasyPrint with the Japanese font the reports use (Debian fonts-noto-cjk)."""
    from weasyprint import HTML  # noqa: PLC0415 - Pango and fonts only when asked

    pdf: bytes = HTML(string=to_html(title, organisation, body)).write_pdf()
    return pdf


def to_xlsx(title: str, organisation: str, body: list[tuple[str, str]]) -> bytes:
    """One row per item, to copy into the PPC's form."""
    from openpyxl import Workbook  # noqa: PLC0415 - only this format needs it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("報告 report")
    sheet.append([neutralise(title), neutralise(organisation)])
    sheet.append(["項目 / item", "内容 / content"])
    for heading, text in body:
        sheet.append([neutralise(heading), neutralise(text)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
