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


def axe_violations(page: Page, selector: str | None = None) -> list[dict]:
    """Every violation axe finds in the page (or in the element `selector` names)."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """([selector, tags]) => axe.run(selector || document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        }).then((results) => results.violations)""",
        [selector, TAGS],
    )


def assert_accessible(
    page: Page, selector: str | None = None, *, schemes: tuple[str, ...] = ("light", "dark")
) -> None:
    """Fail, naming each rule and element, when axe finds a serious or critical violation.

    Checked in each colour scheme (contrast differs in dark mode); the page is left without
    colour-scheme emulation afterwards.
    """
    report = []
    for scheme in schemes:
        page.emulate_media(color_scheme=scheme)
        report += [
            f"{scheme}: {v['impact']} {v['id']}: {v['help']} -> {node['target']}: "
            f"{node['failureSummary']}"
            for v in axe_violations(page, selector)
            if v["impact"] in BLOCKING
            for node in v["nodes"]
        ]
    page.emulate_media(color_scheme="null")
    assert not report, f"{page.url}:\n" + "\n".join(report)
