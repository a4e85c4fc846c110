"""The README shows every screenshot `make screenshots` writes, and nothing that is missing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"


def test_readme_shows_each_screenshot_at_both_widths():
    shown = set(re.findall(r"\(docs/screenshots/([\w-]+\.png)\)", (ROOT / "README.md").read_text()))
    on_disk = {path.name for path in SHOTS.glob("*.png")}
    assert shown == on_disk
    screens = {name.rsplit("-", 1)[0] for name in on_disk}
    assert on_disk == {
        f"{screen}-{size}.png" for screen in screens for size in ("desktop", "phone")
    }
