"""Watching script-injection vectors in Chromium: alert/confirm/prompt are replaced by
recorders before any page script runs; each vector sits in a frame of its own (one cannot
break the others' parsing)."""

from __future__ import annotations

HOOK_DIALOGS = (
    "window.__fired = [];"
    "for (const name of ['alert', 'confirm', 'prompt']) {"
    "  window[name] = (value) => { window.__fired.push(String(value)); return true; };"
    "}"
)


def frames_report(page, *, dom_selector: str, click_selector: str) -> tuple[set[str], list[str]]:
    """For every frame of `page` (already loaded, HOOK_DIALOGS added): which dialog calls ran,
    after loading and after clicking every element matching `click_selector`, and which
    elements matching `dom_selector` still carry an event handler or a script URL."""
    page.wait_for_timeout(2000)  # animations, media errors, autofocus
    fired, dom_problems = set(), []
    for frame in page.frames[1:]:
        dom_problems += frame.evaluate(
            f"Array.from(document.querySelectorAll({dom_selector!r})).flatMap(el => Array.from(el.attributes)"
            ".filter(a => /^on/i.test(a.name) || /^\\s*(javascript|data|vbscript):/i.test(a.value))"
            ".map(a => el.tagName + ' ' + a.name))"
        )
        fired |= set(frame.evaluate("window.__fired"))
        frame.evaluate(f"for (const el of document.querySelectorAll({click_selector!r})) {{ try {{ el.click(); }} catch (e) {{}} }}")
    page.wait_for_timeout(500)
    for frame in page.frames[1:]:
        try:
            fired |= set(frame.evaluate("window.__fired || []"))
        except Exception:  # a frame navigated away by a click: what it ran was counted before
            pass
    return fired, dom_problems
