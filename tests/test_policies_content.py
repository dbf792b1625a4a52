"""Issue #15, what the drafts say: the 別添1 2A items in the 基本方針; in the 取扱規程 the stages,
the 事務フロー quoted from 別添1 2B (事業者編 for a business, 行政機関等編 for a public body) and
the 中小規模事業者 method only where it applies; every 別添1 section cited is a heading of the
guideline it names (read from ../shared/legal)."""

from __future__ import annotations

import re

import pytest

from mnvault.compliance.catalogue import Source
from mnvault.policies.content import Bullets, Draft, basic_policy, cited_sections, handling_rules
from mnvault.policies.inputs import AffairLine, Inputs, Person, clean
from tests.test_compliance_catalogue import _annex, _squash, _text

FULL = str.maketrans("ABCDEFGabcdefg", "ＡＢＣＤＥＦＧａｂｃｄｅｆｇ")


def _inputs(kind: str, *, public_body: bool = False, small: bool = False) -> Inputs:
    return Inputs(
        organisation="試験市" if public_body else "試験株式会社", kind=kind, kind_ja=kind,
        public_body=public_body, small_business=small,
        affairs=(AffairLine("withholding_slip", "個人番号関係事務", "源泉徴収票の作成",
                            "番号法第9条第4項; 所得税法第226条第1項"),),
        responsible=(Person("鈴木", "事務取扱責任者"),), auditors=(), assignments=(),
        spi_files=(), office_hours="月・火 09:00〜18:00", handling_area=("10.0.0.0/8",),
        time_zone="Asia/Tokyo", disposal_confirmation=True, retention=(),
    )  # fmt: skip


def _flow(draft: Draft) -> tuple[str, ...]:
    return next(b.items for b in draft.blocks if isinstance(b, Bullets) and b.items[0][0] == "①")


@pytest.mark.parametrize(
    ("inputs", "source"),
    [
        (_inputs("company"), Source.BUSINESS),
        (_inputs("small_business", small=True), Source.BUSINESS),
        (_inputs("local_government", public_body=True), Source.GOVERNMENT),
    ],
)
def test_drafts_follow_the_guideline_they_cite(inputs: Inputs, source: Source) -> None:
    text = _text(source)
    annex = _squash(_annex(text, "１"))
    rules, basic = handling_rules(inputs), basic_policy(inputs)
    guide = "行政機関等編" if inputs.public_body else "事業者編"
    assert f"{guide} 別添1 2B" in rules.text() and f"{guide} 別添1 2A" in basic.text()
    for item in _flow(rules):  # 別添1 2B's 事務フロー, quoted
        assert _squash(item) in annex, item
    for stage in ("取得段階", "利用段階", "保存段階", "提供段階", "削除・廃棄段階"):
        assert stage in rules.text()
    assert "本人確認の手順" in rules.text() and "紐付けの確認" in rules.text()
    business = _squash(_annex(_text(Source.BUSINESS), "１"))
    name = "行政機関等の名称" if inputs.public_body else "事業者の名称"
    for item in (name, "関係法令・ガイドライン等の遵守", "安全管理措置に関する事項",
                 "質問及び苦情処理の窓口"):  # fmt: skip
        # 別添1 2A's items are 事業者編's 手法の例示; 行政機関等編 names none.
        assert item in basic.text() and (item == name or _squash(item) in business), item
    assert ("中小規模事業者における対応方法" in rules.text()) is inputs.small_business
    headings = set(re.findall(r"^([Ａ-Ｇａ-ｅ]) ", _annex(text, "１"), flags=re.MULTILINE))
    for section in cited_sections(rules) + list(cited_sections(basic)):
        if section[0] == "1":
            continue
        parts = section[1:].split()
        assert all(p.translate(FULL) in headings for p in parts), section
    assert "源泉徴収票の作成" in rules.text() and "番号法第9条第4項" in basic.text()


def test_clean_masks_a_number_in_every_form() -> None:
    """#15: the data a draft is made from is masked (grouped, full-width, hyphens)."""
    import random

    from mnvault.numbers import generate_my_number

    number = generate_my_number(random.Random(3))
    for typed in (number, f"{number[:4]} {number[4:8]} {number[8:]}",
                  f"{number[:4]}-{number[4:8]}-{number[8:]}",
                  "".join(chr(ord(c) + 0xFEE0) for c in number)):  # fmt: skip
        assert number not in re.sub(r"\D", "", clean(f"名称 {typed}").translate(
            {0xFF10 + i: str(i) for i in range(10)}
        ))  # fmt: skip
    assert clean("第9条第4項 電話 03-1234-5678") == "第9条第4項 電話 03-1234-5678"
