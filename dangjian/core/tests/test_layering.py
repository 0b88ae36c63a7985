"""Dependencies go one way: core <- portal <- feature apps. core and portal name no feature
app, in code or in templates; features plug in through registries (scheduler, invalidation,
hot-list scopes, search fields) and the portal's template slots."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import dangjian

PACKAGE = Path(dangjian.__file__).parent
APPS = sorted(path.parent.name for path in PACKAGE.glob("*/apps.py"))
# What each layer may import from the project; everything not listed here is a feature.
ALLOWED = {"core": {"core"}, "portal": {"core", "portal"}}
TEMPLATE_REFERENCE = re.compile(r"""\{%\s*(?:include|extends)\s+["']([a-z_]+)/""")


def _modules(app: str):
    for path in sorted((PACKAGE / app).rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path, ("dangjian", *parts[:-1], *([] if path.stem == "__init__" else [path.stem]))


def project_imports(path: Path, module: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, project app) for every import of the project in the file, at any depth (the
    imports inside functions too), relative imports resolved."""
    package = module if path.stem == "__init__" else module[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            target = ".".join(part for part in (base, node.module or "") if part)
            names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "dangjian" and len(parts) > 1 and parts[1] in APPS:
                found.append((node.lineno, parts[1]))
    return found


def test_the_project_has_the_layers_this_test_checks():
    assert {"core", "portal", "pageviews", "search", "accounts"} <= set(APPS)


def test_the_import_finder_sees_imports_that_go_the_wrong_way(tmp_path):
    module = tmp_path / "models.py"
    module.write_text("from dangjian.pageviews.selectors import hot_lists\n"
                      "def f():\n    from ...search import segmenter\n    import dangjian.accounts.tasks\n")
    assert project_imports(module, ("dangjian", "portal", "sub", "models")) == [(1, "pageviews"), (3, "search"), (4, "accounts")]


def test_core_and_portal_import_no_feature_app():
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports dangjian.{app}"
        for layer, allowed in ALLOWED.items()
        for path, module in _modules(layer)
        for line, app in project_imports(path, module)
        if app not in allowed
    ]
    assert wrong == []


def test_core_and_portal_templates_include_no_feature_template():
    wrong = [
        f"{path.relative_to(PACKAGE)} uses {app}/"
        for layer, allowed in ALLOWED.items()
        for path in sorted((PACKAGE / layer / "templates").rglob("*.html"))
        for app in TEMPLATE_REFERENCE.findall(path.read_text(encoding="utf-8"))
        if app in APPS and app not in allowed
    ]
    assert wrong == []


def test_migrations_read_no_live_code_of_the_project():
    """A migration runs once, years later on a new install: code it imported may have
    changed meaning by then. Only the references makemigrations writes (a model module's
    validators and storages) are allowed."""
    wrong = []
    for path in sorted(PACKAGE.glob("*/migrations/0*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            wrong += [f"{path.relative_to(PACKAGE)}:{node.lineno} imports {name}" for name in names
                      if name.startswith("dangjian.") and not name.endswith(".models")]
    assert wrong == []
