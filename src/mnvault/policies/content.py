"""What the 基本方針 and the 取扱規程 say, drafted from the organisation's data (inputs.py).

A document is a list of blocks (heading, paragraph, list, table) that render.py turns into a
.docx and a PDF. Each section cites where it comes from: 事業者編 別添1 (特定個人情報の適正な
取扱いに関するガイドライン（事業者編） 別添1 特定個人情報に関する安全管理措置) for a business,
行政機関等編 別添1 for a public body, and 番号法 by article. Everything drafted is a
starting point the organisation edits (the guideline's 手法の例示 are examples, not limits).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mnvault.policies.inputs import Inputs
from mnvault.policies.rules import FULL_TITLE_JA, Document

BUSINESS = "事業者編"
GOVERNMENT = "行政機関等編"
TO_FILL = "（記入してください）"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Para | Bullets | Table


@dataclass(frozen=True)
class Draft:
    document: Document
    title: str
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Every word of the draft (tests and the number check read it)."""
        parts = [self.title]
        for block in self.blocks:
            if isinstance(block, Heading | Para):
                parts.append(block.text)
            elif isinstance(block, Bullets):
                parts.extend(block.items)
            else:
                parts.extend(" ".join(row) for row in (block.header, *block.rows))
        return "\n".join(parts)


def _guide(i: Inputs) -> str:
    return GOVERNMENT if i.public_body else BUSINESS


def _cite(i: Inputs, section: str) -> str:
    return f"（{_guide(i)} 別添1 {section}）"


def _affairs_table(i: Inputs) -> Table:
    return Table(
        ("事務", "区分", "法令上の根拠"),
        tuple((a.name, a.kind_ja, a.legal_basis) for a in i.affairs) or (("（登録なし）", "", ""),),
    )


def _responsible(i: Inputs) -> str:
    return "、".join(f"{p.role_ja} {p.name}" for p in i.responsible) or TO_FILL


def _laws(i: Inputs) -> tuple[str, ...]:
    laws = [
        "行政手続における特定の個人を識別するための番号の利用等に関する法律（番号法）",
        "個人情報の保護に関する法律（個人情報保護法）",
        f"特定個人情報の適正な取扱いに関するガイドライン（{_guide(i)}）",
    ]
    if i.public_body:
        laws.append(
            "政府機関等のサイバーセキュリティ対策のための統一基準等に準拠した情報セキュリティポリシー"
        )
    return tuple(laws)


def basic_policy(i: Inputs) -> Draft:
    """The items 別添1 2A names: 事業者の名称, 関係法令・ガイドライン等の遵守, 安全管理措置に
    関する事項, 質問及び苦情処理の窓口."""
    cite = _cite(i, "2A 基本方針の策定")
    blocks: list[Block] = [
        Para(
            f"{i.organisation}（以下「当{'機関' if i.public_body else '社'}」という。）は、"
            "個人番号及び特定個人情報（以下「特定個人情報等」という。）の適正な取扱いの確保に"
            f"組織として取り組むため、次のとおり基本方針を定める。{cite}"
        ),
        *(
            [
                Para(
                    "（項目は事業者編 別添1 2A の手法の例示による。"
                    "行政機関等編 別添1 2A は項目を定めない）"
                )
            ]
            if i.public_body
            else []
        ),
        Heading("1 行政機関等の名称" if i.public_body else "1 事業者の名称"),
        Para(f"名称: {i.organisation}（区分: {i.kind_ja}）"),
        Heading("2 関係法令・ガイドライン等の遵守"),
        Para(
            "当組織は、次に掲げる法令及びガイドライン等を遵守し、特定個人情報等を適正に取り扱う。"
            f"{_cite(i, '2 講ずべき安全管理措置の内容')}"
        ),
        Bullets(_laws(i)),
        Para(
            "個人番号は、番号法第9条に定める事務の範囲でのみ利用し、番号法第19条各号に該当する"
            "場合を除き提供せず、番号法第20条に該当する場合を除き収集・保管しない。"
        ),
        Heading("3 個人番号を取り扱う事務"),
        Para(f"当組織が個人番号を取り扱う事務は次のとおりである。{_cite(i, '1A')}"),
        _affairs_table(i),
        Heading("4 安全管理措置に関する事項"),
        Para(
            "番号法第12条に基づき、個人番号の漏えい、滅失又は毀損の防止その他の適切な管理のため、"
            "次の安全管理措置を講ずる。具体的な取扱いは取扱規程に定める。"
        ),
        Bullets(
            (
                f"組織的安全管理措置: 責任者（{_responsible(i)}）を置き、事務取扱担当者を明確にし、"
                f"取扱状況を記録・点検する。{_cite(i, '2C')}",
                f"人的安全管理措置: 事務取扱担当者を監督し、教育を行う。{_cite(i, '2D')}",
                f"物理的安全管理措置: 取扱区域を管理し、機器・電子媒体等の盗難及び"
                "漏えいを防止する。"
                f"{_cite(i, '2E')}",
                "技術的安全管理措置: アクセス制御、アクセス者の識別と認証、"
                "外部からの不正アクセス等の"
                f"防止及び情報漏えい等の防止を行う。{_cite(i, '2F')}",
            )
        ),
        Heading("5 質問及び苦情処理の窓口"),
        Para(
            f"特定個人情報等の取扱いに関する質問及び苦情は、次の窓口で受け付け、適切かつ迅速に"
            f"処理する。{cite}"
        ),
        Bullets((f"窓口: {_responsible(i)}", f"連絡先: {TO_FILL}")),
        Heading("6 見直し"),
        Para("本方針は、関係法令等の改正及び取扱状況の点検結果を踏まえ、必要に応じて見直す。"),
    ]
    return Draft(Document.BASIC_POLICY, FULL_TITLE_JA[Document.BASIC_POLICY], tuple(blocks))


def _flow(i: Inputs) -> tuple[str, ...]:
    """別添1 2B's 事務フロー: 源泉徴収票等 for a business, 個人番号利用事務 for a public body."""
    if i.public_body:
        return (
            "① 住民等からの申請書を受領する方法（本人確認、個人番号の確認等）",
            "② 住民等からの申請書をシステムに入力・保存する方法",
            "③ 個人番号を含む証明書等の作成・印刷方法",
            "④ 個人番号を含む証明書等を住民等に交付する方法",
            "⑤ 申請書及び本人確認書類等の保存方法",
            "⑥ 保存期間を経過した書類等の廃棄方法",
        )
    return (
        "① 従業員等から提出された書類等を取りまとめる方法",
        "② 取りまとめた書類等の源泉徴収票等の作成部署への移動方法",
        "③ 情報システムへの個人番号を含むデータ入力方法",
        "④ 源泉徴収票等の作成方法",
        "⑤ 源泉徴収票等の行政機関等への提出方法",
        "⑥ 源泉徴収票等の控え、従業員等から提出された書類及び情報システムで取り扱う"
        "ファイル等の保存方法",
        "⑦ 法定保存期間を経過した源泉徴収票等の控え等の廃棄・削除方法",
    )


def _organisation(i: Inputs) -> list[Block]:
    assignments = tuple(
        (a.clerk, a.affair, "範囲を限定" if a.scoped else "事務の全体") for a in i.assignments
    )
    return [
        Heading("第2章 組織体制"),
        Para(f"責任者: {_responsible(i)}{_cite(i, '2C a')}"),
        Para(
            "事務取扱担当者とその事務は次のとおりとする。担当者は、割り当てられた事務の範囲でのみ個人番号を取り扱う。"
        ),
        Table(("事務取扱担当者", "事務", "範囲"), assignments or (("（割当てなし）", "", ""),)),
        Para(
            "事務取扱担当者は、取扱規程等に違反している事実若しくは兆候又は漏えい等事案の発生若しくは"
            f"兆候を把握した場合、直ちに責任者に報告する。{_cite(i, '2C a, 2C d')}"
        ),
        *(
            [Para("監査責任者: " + "、".join(p.name for p in i.auditors) + _cite(i, "2C e"))]
            if i.auditors
            else []
        ),
    ]


def _stages(i: Inputs) -> list[Block]:
    stages = _cite(i, "2B 管理段階")
    hours = i.office_hours or "定めなし"
    area = "、".join(i.handling_area) or "定めなし"
    confirmation = (
        "削除・廃棄の計画は、計画した者以外の責任者が確認した後に実行する"
        if i.disposal_confirmation
        else "削除・廃棄は記録を残して実行し、責任者が事後に確認する"
    )
    retention = tuple(
        (r.affair, r.document_kind or "事務全体", r.period, r.source) for r in i.retention
    )
    return [
        Heading(f"第3章 管理段階ごとの取扱い{stages}"),
        Heading("1 取得段階", 2),
        Bullets(
            (
                "個人番号の提供を求めるときは、利用目的（事務）を本人に明示する。",
                "本人確認の手順: 番号法第16条に基づき、"
                "個人番号の確認（個人番号カード、個人番号が記載された住民票の写し等）"
                "及び身元の確認（運転免許証等）を行い、確認に用いた書類の種類を記録する。",
                "取得した個人番号は、取得の都度、事務を指定して暗号化して保管し、他の者に見せない。",
            )
        ),
        Heading("2 利用段階", 2),
        Bullets(
            (
                "個人番号は、番号法第9条に定める事務（第1章の事務）の範囲でのみ利用する。",
                "紐付けの確認: 個人番号と個人情報の紐付けは、複数人で確認し、責任者が最終確認する"
                f"（人的ミスの防止）。{_cite(i, '2B')}",
                f"取扱時間: {hours}（時間外の取扱いはシステムが拒否する）。",
                f"取扱区域（取扱端末のネットワーク）: {area}{_cite(i, '2E a')}",
            )
        ),
        Heading("3 保存段階", 2),
        Para(f"特定個人情報ファイルは次のとおりとし、登録簿で管理する。{_cite(i, '2C c')}"),
        Table(
            ("ファイル", "利用目的", "事務", "責任者", "部署"),
            tuple((f.name, f.purpose, f.affairs, f.responsible, f.department) for f in i.spi_files)
            or (("（登録なし）", "", "", "", ""),),
        ),
        Para("個人番号は、事務ごとの鍵で暗号化して保存し、閲覧・利用は全て監査証跡に記録する。"),
        Heading("4 提供段階", 2),
        Bullets(
            (
                "個人番号は、番号法第19条各号のいずれかに該当する場合に限り提供し、根拠となる号、提供先"
                "及び提供方法を記録する。",
                "持出し（電子媒体等による外部への送付を含む）は、事務取扱担当者が目的を付して申請し、"
                "申請者以外の責任者が承認した後、暗号化したファイルによってのみ行う。"
                f"{_cite(i, '2E c')}",
            )
        ),
        Heading("5 削除・廃棄段階", 2),
        Para(
            "事務を処理する必要がなくなり、法定保存期間を経過した個人番号は、速やかに削除・廃棄し、"
            f"その記録を保存する。{confirmation}。{_cite(i, '2E d')}"
        ),
        Table(("事務", "書類", "保存期間", "根拠"), retention or (("（定めなし）", "", "", ""),)),
    ]


def _small_business(i: Inputs) -> list[Block]:
    if not i.small_business:
        return []
    return [
        Heading(f"第5章 中小規模事業者における対応方法{_cite(i, '2B')}"),
        Bullets(
            (
                "特定個人情報等の取扱い等を明確化する（本規程がこれに当たる）。",
                "事務取扱担当者が変更となった場合、確実な引継ぎを行い、責任ある立場の者が確認する。",
            )
        ),
    ]


def handling_rules(i: Inputs) -> Draft:
    """別添1 2B: the stages 取得・利用・保存・提供・削除廃棄, the 事務フロー and the checks
    against human error (本人確認の手順, 紐付けの確認)."""
    section = "2B 取扱規程等の見直し等" if i.public_body else "2B 取扱規程等の策定"
    blocks: list[Block] = [
        Heading("第1章 総則"),
        Para(
            f"本規程は、{i.organisation}における特定個人情報等の取扱いについて、管理段階ごとの取扱方法、"
            f"責任者・事務取扱担当者及びその任務を定める。{_cite(i, section)}"
        ),
        Para("本規程の対象とする事務（個人番号を取り扱う事務の範囲）は次のとおりとする。"),
        _affairs_table(i),
        *_organisation(i),
        *_stages(i),
        Heading(f"第4章 事務フロー{_cite(i, '2B')}"),
        Para(
            "各事務は、次の事務フローに即して手続を行う。各段階で本人確認及び個人番号の確認を行う。"
        ),
        Bullets(_flow(i)),
        Para("人的ミスの防止のため、次の確認の手順を定める。"),
        Bullets(
            (
                "本人確認及び個人番号の確認の手順（取得段階に定める）",
                "個人番号と個人情報の紐付けの際の複数人による確認（責任者による最終確認を含む）",
                "提供・持出し・削除の前の、申請者以外の責任者による確認",
            )
        ),
        *_small_business(i),
        Heading("附則"),
        Para(
            "本規程は、責任者の承認を経て、施行日から施行する。取扱状況の点検・監査の結果を踏まえ、"
            f"必要に応じて見直す。{_cite(i, '2C e')}"
        ),
    ]
    return Draft(Document.HANDLING_RULES, FULL_TITLE_JA[Document.HANDLING_RULES], tuple(blocks))


def draft_of(document: Document, inputs: Inputs) -> Draft:
    return basic_policy(inputs) if document is Document.BASIC_POLICY else handling_rules(inputs)


def cited_sections(draft: Draft) -> Sequence[str]:
    """The 別添1 sections the draft cites (tests compare them with the guideline)."""
    return sorted(set(re.findall(r"別添1 (\d[A-G](?: [a-e])?)", draft.text())))
