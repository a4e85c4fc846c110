"""`assert_accessible(page)`: axe-core finds no serious or critical violation on the page.

axe is a test tool: it is read from node_modules (npm) and never served by the site. It is
injected with `page.evaluate(source)`: Playwright evaluates through the DevTools protocol, which
the page's Content-Security-Policy does not govern, so the strict CSP (script-src 'self', no
inline scripts) stays on for the page and its own scripts. (`page.add_script_tag(path=...)`
would add an inline <script>, which that CSP rightly blocks.)
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.2 A and AA plus axe's best practices: what a reviewer would flag.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


# What a colour scheme can change: the other rules read the page's structure, the same in both.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def axe_violations(
    page: Page, selector: str | None = None, *, colours_only: bool = False
) -> list[dict]:
    """Every violation axe finds in the page (or in the element `selector` names); with
    `colours_only`, of the rules about colour alone."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(AXE.read_text())
    only = (
        {"type": "rule", "values": COLOUR_RULES}
        if colours_only
        else {"type": "tag", "values": TAGS}
    )
    return page.evaluate(
        """([selector, only]) => axe.run(selector || document, {
            runOnly: only, resultTypes: ["violations"],
        }).then((results) => results.violations)""",
        [selector, only],
    )


def assert_accessible(
    page: Page, selector: str | None = None, *, schemes: tuple[str, ...] = ("light", "dark")
) -> None:
    """Fail, naming each rule and element, when axe finds a serious or critical violation.

    Every rule in the first colour scheme, then the colour rules in each other one (contrast
    differs in dark mode; the rest does not: a full run costs 0.21 s a page, these two 0.08 s
    on this machine); the page is left without colour-scheme emulation afterwards.
    """
    report = []
    for index, scheme in enumerate(schemes):
        page.emulate_media(color_scheme=scheme)
        report += [
            f"{scheme}: {v['impact']} {v['id']}: {v['help']} -> {node['target']}: "
            f"{node['failureSummary']}"
            for v in axe_violations(page, selector, colours_only=index > 0)
            if v["impact"] in BLOCKING
            for node in v["nodes"]
        ]
    page.emulate_media(color_scheme="null")
    assert not report, f"{page.url}:\n" + "\n".join(report)
