"""別添2 2 (漏えい等事案が発覚した場合に講ずべき措置): the steps the 2C d structure must be ready
to carry out, from both guidelines. The report and notification duties (別添2 3, 4) belong to the
incident rule set (DESIGN §8), not to this catalogue."""

from __future__ import annotations

from mnvault.compliance.catalogue import Measure, Obligation, RowSpec, business, government

_STEPS = (
    (
        "2A",
        ("事業者内部における報告及び被害の拡大防止", "組織内における報告及び被害の拡大防止"),
        "Internal report and containment",
        "責任ある立場の者に直ちに報告するとともに、漏えい等事案による被害が発覚時よりも拡大しないよう必要な措置を講ずる。",
        "Report at once to a person in a responsible position and stop the damage from growing.",
    ),
    (
        "2B",
        ("事実関係の調査及び原因の究明",) * 2,
        "Investigation of facts and cause",
        "漏えい等事案の事実関係の調査及び原因の究明に必要な措置を講ずる。",
        "Investigate the facts and find the cause.",
    ),
    (
        "2C",
        ("影響範囲の特定",) * 2,
        "Impact scope",
        "上記Ｂで把握した事実関係による影響範囲の特定のために必要な措置を講ずる。",
        "Determine the impact scope from the facts found under B (the audit trail answers who touched which persons).",
    ),
    (
        "2D",
        ("再発防止策の検討及び実施",) * 2,
        "Prevention of recurrence",
        "上記Ｂの結果を踏まえ、漏えい等事案の再発防止策の検討及び実施に必要な措置を講ずる。",
        "Decide and carry out measures against recurrence, based on B.",
    ),
)

_PUBLISH = {
    # 事業者編 says 望ましい, 行政機関等編 says 公表する: the one difference between the two lists.
    "J": (
        "なお、漏えい等事案の内容等に応じて、二次被害の防止、類似事案の発生防止等の観点から、事実関係及び再発防止策等について、速やかに公表することが望ましい。",
        Obligation.DESIRABLE,
    ),
    "G": (
        "なお、漏えい等事案の内容等に応じて、二次被害の防止、類似事案の発生防止等の観点から、事実関係及び再発防止策等について、速やかに公表する。",
        Obligation.REQUIRED,
    ),
}


def _specs(prefix: str) -> list[RowSpec]:
    which = 0 if prefix == "J" else 1
    specs = [
        RowSpec(
            f"{prefix}-A2-{clause}",
            clause,
            "別添2",
            titles[which],
            title_en,
            text_ja,
            text_en,
            annex="別添2",
            seed="図表2-1 (3)④",
        )
        for clause, titles, title_en, text_ja, text_en in _STEPS
    ]
    text, level = _PUBLISH[prefix]
    specs.append(
        RowSpec(
            f"{prefix}-A2-2E",
            "2E",
            "別添2",
            "委員会への報告及び本人への通知（公表）",
            "Report to the PPC, notify the persons, publish",
            text,
            "Report to the PPC and notify the persons (別添2 3, 4); publish the facts and prevention measures as the case requires.",
            annex="別添2",
            seed="図表2-1 (3)④",
            level=level,
        )
    )
    return specs


MEASURES: tuple[Measure, ...] = tuple(business(s) for s in _specs("J")) + tuple(
    government(s) for s in _specs("G")
)
