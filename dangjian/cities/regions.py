"""China's administrative divisions (行政区划代码) for city channel applications: province
→ prefecture (→ county), read from data/regions.json (scripts/regions_build.py says where
it comes from and how to update it)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "regions.json"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: int  # 1 province, 2 prefecture, 3 county
    parent: str  # the code of the region above, "" for a province

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"


@functools.cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@functools.cache
def _index() -> tuple[dict[str, Region], dict[str, list[Region]]]:
    regions: dict[str, Region] = {}
    children: dict[str, list[Region]] = {}

    def walk(nodes: list, level: int, parent: str) -> None:
        for node in nodes:
            region = Region(code=node[0], name=node[1], level=level, parent=parent)
            regions[region.code] = region
            children.setdefault(parent, []).append(region)
            if len(node) > 2:
                walk(node[2], level + 1, region.code)

    walk(_data()["regions"], 1, "")
    return regions, children


def data_source() -> str:
    return _data()["source"]


def data_date() -> str:
    return _data()["date"]


def provinces() -> list[Region]:
    return _index()[1][""]


def children_of(code: str) -> list[Region]:
    """The prefectures of a province or the counties of a prefecture."""
    return _index()[1].get(code, []) if code else []


def lookup(code: str) -> Region | None:
    return _index()[0].get(code)


def full_name(code: str) -> str:
    """辽宁省沈阳市和平区; 北京市 for a municipality, not 北京市北京市."""
    region = lookup(code)
    names: list[str] = []
    while region is not None:
        if not names or names[0] != region.name:
            names.insert(0, region.name)
        region = lookup(region.parent) if region.parent else None
    return "".join(names)


def province_of(code: str) -> Region | None:
    return lookup(code[:2] + "0000")
