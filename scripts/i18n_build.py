"""Build the zh_Hans catalogs from their sources: run `makemessages`, fill the Chinese from
dangjian/locale/zh_Hans.json (msgid -> Chinese, with "context\x04msgid" keys for msgctxt),
check placeholders and compile .mo with msgfmt. Needs gettext (msgfmt) and polib.

    .venv/bin/python scripts/i18n_build.py
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def fill(po_path: Path, translations: dict[str, str], *, add: bool = False) -> list[str]:
    """Put the Chinese of `translations` into the catalogue; with `add`, also the entries it
    lacks (locale_wagtail overrides Wagtail's own catalogue, no makemessages makes it)."""
    po = polib.pofile(str(po_path))
    if add:
        present = {f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid for entry in po}
        for key in sorted(translations.keys() - present):
            context, _sep, msgid = key.rpartition("\x04")
            po.append(polib.POEntry(msgid=msgid, msgstr="", msgctxt=context or None))
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata.update({
        "Project-Id-Version": "dangjian", "Content-Type": "text/plain; charset=UTF-8",
        "MIME-Version": "1.0", "Content-Transfer-Encoding": "8bit", "Language-Team": "zh_Hans",
        "Last-Translator": "dangjian", "PO-Revision-Date": "2026-11-29 00:00+0800",
    })
    missing = []
    for entry in po:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        zh = translations.get(key)
        if zh is None:
            missing.append(key)
            continue
        expected = placeholders(entry.msgid_plural or entry.msgid)
        if placeholders(zh) != expected:
            sys.exit(f"placeholders differ for {key!r}: {expected} vs {placeholders(zh)}")
        if entry.msgid_plural:
            entry.msgstr_plural = {0: zh}
        else:
            entry.msgstr = zh
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
    po.save()
    return missing


def main() -> None:
    package = ROOT / "dangjian"
    subprocess.run(
        [str(ROOT / ".venv/bin/dangjian"), "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete",
         "--ignore", "tests/*", "--ignore", "testing/*", "--ignore", "locale_wagtail/*"],
        cwd=package, check=True,
    )
    for locale_dir in (package / "locale", package / "locale_wagtail"):
        translations = json.loads((locale_dir / "zh_Hans.json").read_text())
        for po_path in sorted((locale_dir / "zh_Hans/LC_MESSAGES").glob("*.po")):
            missing = fill(po_path, translations, add=locale_dir.name == "locale_wagtail" and po_path.stem == "django")
            if missing:
                sys.exit(f"{po_path}: no Chinese for {missing}")
            subprocess.run(["msgfmt", "--check", "-o", str(po_path.with_suffix(".mo")), str(po_path)], check=True)
            print(f"compiled {po_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
