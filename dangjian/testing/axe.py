"""axe-core (the copy bundled with axe-playwright-python) in a Playwright page. The page's
CSP forbids injected scripts: the context must be made with bypass_csp=True."""

from __future__ import annotations

from pathlib import Path


def axe_violations(page, selector: str) -> list[dict]:
    """axe's violations inside `selector`: [{"id", "impact", "nodes": [html…]}]."""
    import axe_playwright_python

    page.add_script_tag(path=str(Path(axe_playwright_python.__file__).with_name("axe.min.js")))
    result = page.evaluate("(selector) => axe.run(selector)", selector)
    return [{"id": v["id"], "impact": v["impact"], "nodes": [node["html"] for node in v["nodes"]]} for v in result["violations"]]
