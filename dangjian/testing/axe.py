"""axe-core (the copy bundled with axe-playwright-python) in a Playwright page. The page's
CSP forbids injected scripts: the context must be made with bypass_csp=True."""

from __future__ import annotations

from pathlib import Path


def axe_violations(page, selector: str, *, tags: list[str] | None = None, rules: list[str] | None = None) -> list[dict]:
    """axe's violations inside `selector`: [{"id", "impact", "nodes": [html…]}]; with `tags`
    (such as "wcag21aa"), only the rules carrying one of them; with `rules`, only those."""
    import axe_playwright_python

    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(Path(axe_playwright_python.__file__).with_name("axe.min.js")))
    options = {"runOnly": {"type": "rule", "values": rules}} if rules else {"runOnly": {"type": "tag", "values": tags}} if tags else {}
    result = page.evaluate("([selector, options]) => axe.run(selector, options)", [selector, options])
    return [{"id": v["id"], "impact": v["impact"], "nodes": [node["html"] for node in v["nodes"]]} for v in result["violations"]]
