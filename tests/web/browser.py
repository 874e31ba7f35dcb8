"""Driving Debian's Chromium with Playwright: every page checked with axe-core,
measured for horizontal overflow and photographed at two sizes.

Screenshots land in ``screenshots/`` at the top of the repository (see README).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SIZES = {"desktop": (1280, 800), "mobile": (390, 844)}
BLOCKING_IMPACTS = {"serious", "critical"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


# Elements reaching past the window's right edge (those in a scrolling table included).
_WIDE_ELEMENTS = """() => {
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.getBoundingClientRect().right <= window.innerWidth + 1) continue;
    wide.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  }
  return wide.slice(0, 10);
}"""


@dataclass
class Inspector:
    """Checks a page the way the issue asks, at both sizes, and keeps what it saw."""

    prefix: str
    pages: list[str] = field(default_factory=list)

    def check(self, page: Any, name: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Through the DevTools protocol, which the pages' Content-Security-Policy does not
            # govern: an added <script> tag would be inline script, and refused like any other.
            page.evaluate(AXE.read_text(encoding="utf-8"))
        SCREENSHOTS.mkdir(exist_ok=True)
        number = len(self.pages) + 1
        for label, (width, height) in SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (
                f"{name} at {label}: the page is {overflow}px wider than the window, because of "
                f"{page.evaluate(_WIDE_ELEMENTS)}"
            )
            page.screenshot(
                path=str(SCREENSHOTS / f"{self.prefix}{number:02d}-{name}-{label}.png"), full_page=True
            )
            results = page.evaluate("async () => await axe.run(document)")
            blocking = [
                f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
                for v in results["violations"]
                if v.get("impact") in BLOCKING_IMPACTS
            ]
            assert not blocking, f"{name} at {label}: accessibility violations:\n" + "\n".join(blocking)
        page.set_viewport_size({"width": SIZES["desktop"][0], "height": SIZES["desktop"][1]})
        self.pages.append(name)
