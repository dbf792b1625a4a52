"""Issue #18 "Look and layout": the main screens in one Chromium session, at 1280 px and
768 px, on a synthetic seeded world.

Per screen and width:
- layout metrics: nothing overflows the viewport sideways, no table header, heading,
  button or dashboard label wraps more than two lines (the one-character-per-line headers);
- axe-core (the engine bundled by PyPI's ``axe-playwright-python``, run in the page by
  Playwright) finds no serious or critical violation (at 1280 px, where every screen
  shows all its parts);
- a screenshot compared with the committed baseline in docs/screenshots/ at a tolerance
  (fraction of differing pixels), after the page's times, dates and ids are set to fixed
  text, so a layout regression fails.

``bash scripts/screenshots`` writes the baselines (and so the README's pictures) anew:
run it after a change of wording or layout that is meant. Pages are captured with
animations off and after the page's fonts are loaded (a state, never a sleep).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageChops
from playwright.sync_api import Browser, Page, expect

from mnvault.numbers import generate_my_numbers
from tests.support.api import SLIP, bearer
from tests.support.browser import Site, chromium, recorded, site
from tests.support.numbers import MaskedStr

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
UPDATE = os.environ.get("MNVAULT_UPDATE_SCREENSHOTS") == "1"
WIDTHS = (1280, 768)
HEIGHT = 900
CLIP = 2000  # the top of a long page: the baselines stay small
# A pixel differs when a channel differs by more than CHANNEL; a screen fails when more
# than TOLERANCE of its pixels differ (anti-aliasing alone stays far below).
CHANNEL = 48
TOLERANCE = 0.02
RECIPIENT = "age1sf2k40y4g64ksykh7snc447lhvmvxsy84ufsts79dlullzgwfydszmqyfj"

# Times, dates, ids and digests change from run to run: they become fixed text of the
# same shape before a capture, so the picture depends on the layout alone.
NORMALISE = r"""() => {
  const rules = [
    [/\d{4}([-/年.])\d{1,2}([-/月.])\d{1,2}/g, (m, a, b) => `2026${a}12${b}07`],
    [/\b\d{1,2}:\d{2}(:\d{2})?(\.\d+)?/g, (m, s) => s ? "10:08:00" : "10:08"],
    [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g,
     m => "00000000-0000-4000-8000-000000000000"],
    [/\b[0-9a-f]{16,}\b/g, m => "0123456789abcdef".repeat(8).slice(0, m.length)],
  ];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let text = node.nodeValue;
    for (const [pattern, replace] of rules) text = text.replace(pattern, replace);
    if (text !== node.nodeValue) node.nodeValue = text;
  }
  for (const input of document.querySelectorAll("input[name=csrf_token]")) input.value = "";
}"""

# Elements whose text is a label: more than two lines means words broken apart.
LABELS = "th, h1, h2, h3, button, .button, nav a, dt, .chip, legend, label"
LAYOUT = r"""(selector) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).position === "absolute") continue;
    if (box.right > width + 1 && !el.closest("pre, .scroll"))
      problems.push(`${el.tagName.toLowerCase()}#${el.id} ends at ${Math.round(box.right)}`);
  }
  for (const el of document.querySelectorAll(selector)) {
    const text = el.innerText.trim();
    if (!text || el.offsetParent === null) continue;
    // Lines of the text itself (a cell stretched by its row's neighbours is not wrapped).
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = [];
    for (const r of range.getClientRects())
      if (r.width > 0 && !tops.some(t => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
    const lines = tops.length;
    // A short label of one word (Japanese has no spaces) on two lines was broken inside it.
    const words = text.split(/\s+/).length;
    if (lines > 1 && lines > words && text.length <= 20)
      problems.push(`"${text}" wraps to ${lines} lines`);
  }
  // A checkbox or radio button on the line of its label (not a row of its own).
  for (const input of document.querySelectorAll("input[type=checkbox], input[type=radio]")) {
    if (input.offsetParent === null || !input.labels || !input.labels.length) continue;
    const range = document.createRange();
    range.selectNodeContents(input.labels[0]);
    const first = [...range.getClientRects()].find(r => r.width > 0 && r.height > 0);
    if (!first) continue;
    const box = input.getBoundingClientRect();
    const apart = Math.abs(first.top + first.height / 2 - (box.top + box.height / 2));
    if (apart > first.height / 2)
      problems.push(`checkbox #${input.id || input.name} is not on the line of its label`);
  }
  // A section's sub-navigation sits in one place: right under the page's heading.
  for (const nav of document.querySelectorAll("main nav.subnav")) {
    const before = nav.previousElementSibling;
    if (!before || before.tagName !== "H1") problems.push("sub-navigation not under the h1");
  }
  // Buttons side by side keep a gap.
  const buttons = [...document.querySelectorAll("button, .button")]
    .filter(b => b.offsetParent !== null);
  for (const a of buttons) for (const b of buttons) {
    if (a === b) continue;
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    if (Math.abs(p.top - q.top) < 2 && q.left >= p.left && q.left - p.right < 4)
      problems.push(`buttons "${a.innerText.trim()}" and "${b.innerText.trim()}" touch`);
  }
  return problems;
}"""


@dataclass(frozen=True)
class Screen:
    name: str
    who: str | None
    path: str


def _seed(site: Site) -> dict[str, str]:
    """Four employees (three with a number, one without), a take-out waiting for the
    manager's approval: the same world every run (seeded numbers, fixed names)."""
    api = site.api
    clerk = api.full_session("clerk")
    numbers = [MaskedStr(n) for n in generate_my_numbers(3, 1801)]
    ids: list[str] = []
    for i, name in enumerate(["山田 太郎", "佐藤 花子", "鈴木 一郎", "高橋 美咲"]):
        person = api.client.post(
            "/api/v1/persons", headers=bearer(clerk),
            json={"kind": "employee", "external_ref": f"E{1001 + i}", "name": name},
        )  # fmt: skip
        assert person.status_code == 201, person.text
        ids.append(str(person.json()["id"]))
        if i < len(numbers):
            acquired = api.client.post(
                f"/api/v1/persons/{ids[-1]}/number", headers=bearer(clerk),
                json={"my_number": numbers[i], "affairs": [SLIP],
                      "verification": {"number_check_document": "my_number_card",
                                       "identity_check_document": "my_number_card"}},
            )  # fmt: skip
            assert acquired.status_code == 201, acquired.text
    export = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "年末調整の委託先へ", "recipient": RECIPIENT},
    )  # fmt: skip
    assert export.status_code == 201, export.text
    return {"person": ids[0], "unacquired": ids[-1], "export": str(export.json()["id"])}


def _screens(seeded: dict[str, str]) -> list[Screen]:
    return [
        Screen("sign-in", None, "/sign-in"),
        Screen("dashboard-clerk", "clerk", "/"),
        Screen("dashboard-manager", "manager", "/"),
        Screen("persons", "clerk", "/persons"),
        Screen("person", "clerk", f"/persons/{seeded['person']}"),
        Screen("acquire", "clerk", f"/persons/{seeded['unacquired']}/acquire"),
        Screen("takeouts", "manager", "/exports"),
        Screen("takeout", "manager", f"/exports/{seeded['export']}"),
        Screen("audit", "auditor", "/audit"),
        Screen("compliance", "manager", "/compliance"),
        Screen("organisation", "admin", "/admin/organisation"),
    ]


def _compare(name: str, png: bytes) -> str | None:
    """None when the capture matches its baseline; otherwise what differs."""

    path = SHOTS / f"{name}.png"
    # 64 colours are plenty for these screens and keep the committed files small.
    quantized = (
        Image.open(io.BytesIO(png)).convert("RGB").quantize(64, method=Image.Quantize.FASTOCTREE)
    )
    if UPDATE:
        SHOTS.mkdir(parents=True, exist_ok=True)
        quantized.save(path, optimize=True)
        return None
    shot = quantized.convert("RGB")
    if not path.exists():
        return f"{name}: no baseline {path.name} (bash scripts/screenshots)"
    base = Image.open(path).convert("RGB")
    if shot.size != base.size:
        return f"{name}: size {shot.size} differs from the baseline's {base.size}"
    difference = (
        ImageChops.difference(shot, base).convert("L").point(lambda v: 255 if v > CHANNEL else 0)
    )
    differing = difference.histogram()[255]
    fraction = differing / (shot.size[0] * shot.size[1])
    if fraction > TOLERANCE:
        (SHOTS.parent.parent / "test-artifacts").mkdir(exist_ok=True)
        (SHOTS.parent.parent / "test-artifacts" / f"{name}.png").write_bytes(png)
        return f"{name}: {fraction:.1%} of pixels differ (tolerance {TOLERANCE:.0%})"
    return None


def test_main_screens_layout_accessibility_and_screenshots(site: Site, chromium: Browser) -> None:
    """Issue #18 "Look and layout": layout metrics, axe-core and screenshot baselines of
    the main screens at 1280 px and 768 px."""
    seeded = _seed(site)
    tokens = {who: site.api.full_session(who) for who in ("clerk", "manager", "auditor", "admin")}
    axe = Axe()
    failures: list[str] = []
    pages: dict[str | None, Page] = {}
    for screen in _screens(seeded):
        if screen.who not in pages:
            context = chromium.new_context(
                locale="ja-JP",
                timezone_id="Asia/Tokyo",
                reduced_motion="reduce",
                viewport={"width": WIDTHS[0], "height": HEIGHT},
                device_scale_factor=1,
            )
            if screen.who:
                context.add_cookies([{"name": "mnv_session", "value": tokens[screen.who],
                                      "url": site.base}])  # fmt: skip
            pages[screen.who] = context.new_page()
        page = pages[screen.who]
        with recorded(page, f"look_{screen.name}"):
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": HEIGHT})
                page.goto(site.base + screen.path)
                assert page.url == site.base + screen.path, (screen, page.url)
                page.evaluate("document.fonts.ready.then(() => true)")
                page.evaluate(NORMALISE)
                label = f"{screen.name}-{width}"
                failures += [f"{label}: {p}" for p in page.evaluate(LAYOUT, LABELS)]
                if width == WIDTHS[0]:
                    results = axe.run(page, options={"resultTypes": ["violations"]})
                    failures += [
                        f"{label}: axe {v['id']} ({v['impact']}): {v['help']} "
                        f"{[n['target'] for n in v['nodes']][:3]}"
                        for v in results.response["violations"]
                        if v["impact"] in ("serious", "critical")
                    ]
                tall = min(int(page.evaluate("document.documentElement.scrollHeight")), CLIP)
                png = page.screenshot(
                    full_page=True, animations="disabled", caret="hide",
                    clip={"x": 0, "y": 0, "width": width, "height": tall},
                )  # fmt: skip
                if (problem := _compare(label, png)) is not None:
                    failures.append(problem)
    assert failures == [], "\n".join(failures)
    _states_and_busy(pages, site.base)


def _states_and_busy(pages: dict[str | None, Page], base: str) -> None:
    """States are chips; a long action's form says 処理中… once sent (busy.js)."""
    clerk, manager, auditor = pages["clerk"], pages["manager"], pages["auditor"]
    clerk.goto(base + "/persons")
    expect(clerk.locator("table .chip", has_text="未取得")).to_have_count(1)
    manager.goto(base + "/exports")
    manager.get_by_role("link", name="開く").first.click()
    expect(manager.locator("#request-state .chip-wait")).to_have_text("承認待ち")
    auditor.goto(base + "/audit/verify")
    # The form is held back (a listener of the test's own) to see the state it shows.
    shown = auditor.evaluate(
        """() => { const form = document.querySelector("form[data-busy]");
                   form.addEventListener("submit", e => e.preventDefault());
                   form.requestSubmit();
                   return [form.getAttribute("aria-busy"),
                           form.querySelector("[role=status]").textContent]; }"""
    )
    assert shown == ["true", "処理中…"]
