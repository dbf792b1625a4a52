"""Issue #13, Citations: the seed's figure numbers (図表2-1/2-2, "(5)①", "(6)③") are never
cited as the guideline's. A guideline is cited by its own numbering (事業者編 別添1 2E a …);
the seed's figure stays only as a secondary reference, labelled "seed".

Source of the numbering: 事業者編 別添1 (../shared/legal/ppc-guideline-business.txt):
2B 取扱規程等の策定; 2C 組織的 (a 組織体制の整備 … e 取扱状況の把握及び安全管理措置の見直し);
2D 人的; 2E 物理的 (a 取扱区域 … d 削除・廃棄); 2F 技術的 (a アクセス制御, b 識別と認証,
c 外部からの不正アクセス等の防止, d 漏えい等の防止). The seed's 図表2-1/2-2 number the same
measures (2)…(6) ①… — a summary's numbering, not the guideline's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
FILES = sorted(
    p for p in SRC.rglob("*") if p.is_file() and p.suffix in (".py", ".cedar", ".html", ".txt")
)
# A labelled seed reference: "seed 図表2-2 (6)①③, (5)①" or "seed 図表2-1 (3)①, 図表2-2 (5)④",
# or the compliance catalogue's field for it, seed="図表2-1 (3)①" (beside the row's 別添1 id).
SEED_SPAN = re.compile(r'seed(?: |=")図表[-0-9/ ()①②③④⑤,、図表]*')
SEED_ITEM = re.compile(r"図表|\(\d\)[①②③④⑤]")
GUIDELINE_WITH_SEED_NUMBERS = re.compile(r"別添[1１]\s*(安全管理措置\s*)?[(（]\d[)）]")

# (the rule, what it checks, source)
CASES = [
    pytest.param("seed-labelled", id="図表/(n)① only inside a 'seed 図表…' reference"),
    pytest.param("no-guideline-seed", id="no 別添1 (5)① — 別添1 has its own 2E a numbering"),
    pytest.param("own-first", id="each seed reference sits beside the guideline's own 別添1 cite"),
]


def _text(path: Path) -> str:
    return path.read_text("utf-8")


@pytest.mark.parametrize("rule", CASES)
def test_seed_figures_are_never_the_guidelines_numbering(rule: str):
    bad = []
    for path in FILES:
        text = _text(path)
        spans = [m.span() for m in SEED_SPAN.finditer(text)]
        where = path.relative_to(SRC)
        if rule == "seed-labelled":
            for m in SEED_ITEM.finditer(text):
                if not any(a <= m.start() < b for a, b in spans):
                    bad.append(f"{where}: {text[max(0, m.start() - 30) : m.end() + 10]!r}")
        elif rule == "no-guideline-seed":
            bad += [f"{where}: {m.group()}" for m in GUIDELINE_WITH_SEED_NUMBERS.finditer(text)]
        else:
            for a, b in spans:
                near = text[max(0, a - 240) : b + 120]
                # A compliance catalogue row (RowSpec) opens with its own 別添1 id and clause.
                own = ("別添1", "別添１", "別添2", "別添２", "RowSpec(")
                if not any(cite in near for cite in own):
                    bad.append(f"{where}: {text[a:b]!r}")
    assert not bad, bad
