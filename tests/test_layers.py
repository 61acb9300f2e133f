"""Imports go one way: from the doors (views, feeds, admin, jobs, commands) down to the
forms, the services (writes), the selectors (reads), the caching, the models, and the
infrastructure and markup at the bottom. A module that imports one of a higher layer fails
here, whether the import is at the top of the file or inside a function; only imports under
``TYPE_CHECKING`` (type hints, never run) are left out. The product never imports the
benchmark app (``bench``).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("notes", "accounts", "papernotes")

# Lowest first; a module is in the first layer with a pattern that matches its name.
LAYERS: list[tuple[str, list[str]]] = [
    (
        "markup",
        [
            r"notes\.markup(\..*)?",
        ],
    ),
    (
        "infrastructure",
        [
            r"papernotes\.(env|numbers|dates|db|cache|metrics|outages|logs|headers|replicas|queue)",
            r"papernotes\.(embedded_db|error_reporting|memory|backups|supervisor)",
            r"papernotes\.gunicorn_conf",
            r"accounts\.throttle",
        ],
    ),
    (
        "models",
        [
            r"accounts\.models",
            r"notes\.models(\..*)?",
            r"notes\.visibility",
            r"notes\.caching\.generations",
        ],
    ),
    ("caching", [r"notes\.caching(\..*)?"]),
    ("selectors", [r"notes\.selectors(\..*)?"]),
    ("domain", [r"notes\.services(\..*)?", r"accounts\.signups"]),
    ("forms", [r"(notes|accounts)\.forms"]),
    (
        "doors",
        [
            r"(notes|accounts)\.(admin|apps|feeds)",
            r"(notes|accounts|papernotes)\.(templatetags|management)(\..*)?",
            r"papernotes\.(context_processors|jobs|health)",
        ],
    ),
    ("views", [r"(notes|accounts|papernotes)\.views(\..*)?"]),
    ("wiring", [r"(notes|accounts|papernotes)\.urls", r"papernotes\.(settings|wsgi|asgi)"]),
]
# What no pattern names is domain code of its app (e.g. notes.access, notes.tag_rules).
DEFAULT_LAYER = "domain"
RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str:
    for name, patterns in LAYERS:
        if any(re.fullmatch(pattern, module) for pattern in patterns):
            return name
    return DEFAULT_LAYER


def modules() -> dict[str, Path]:
    found = {}
    for package in (*PRODUCT, "bench"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (``from a import b`` counts as ``a.b`` when
    that is a module, else as ``a``)."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return {name for name in found if name in known and known[name] != path}


def climbing_imports() -> list[str]:
    known = modules()
    climbs = []
    for name, path in sorted(known.items()):
        if name.split(".")[0] not in PRODUCT or name in PRODUCT:
            continue
        for target in sorted(imports_of(path, known)):
            if target.split(".")[0] == "bench":
                climbs.append(f"{name} imports the benchmark app: {target}")
            elif target in PRODUCT or target in ("notes.views", "notes.management"):
                continue  # a package's empty __init__
            elif RANK[layer_of(target)] > RANK[layer_of(name)]:
                climbs.append(f"{name} ({layer_of(name)}) imports {target} ({layer_of(target)})")
    return climbs


def test_no_module_imports_one_of_a_higher_layer() -> None:
    assert climbing_imports() == []


def test_the_check_sees_an_import_that_climbs(tmp_path: Path) -> None:
    known = modules()
    source = tmp_path / "fake.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from notes.views.browse import index\n"
        "def f():\n    from notes.views.browse import url_tags\n"
        "from notes import services\n"
    )
    assert imports_of(source, known) == {"notes.views.browse", "notes.services"}
    # Only the function's import counts; the type-checking one alone would not.
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import notes.views.browse\n"
    )
    assert imports_of(source, known) == set()
    assert RANK[layer_of("notes.views.browse")] > RANK[layer_of("notes.feeds")]
    assert RANK[layer_of("accounts.forms")] > RANK[layer_of("notes.selectors.browse")]
    assert RANK[layer_of("notes.models")] > RANK[layer_of("notes.markup.rendering")]


def test_the_markup_package_imports_no_django() -> None:
    # Every module of notes.markup, imported in a fresh interpreter with no settings: it
    # must neither need Django nor load it.
    check = (
        "import importlib, pkgutil, sys, notes.markup as m\n"
        "for info in pkgutil.iter_modules(m.__path__):\n"
        "    importlib.import_module('notes.markup.' + info.name)\n"
        "print(sorted(n for n in sys.modules if n.startswith('notes.markup.')))\n"
        "print([n for n in sys.modules if n == 'django' or n.startswith('django.')])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    loaded, django = result.stdout.splitlines()
    assert "notes.markup.rendering" in loaded and "notes.markup.diffing" in loaded
    assert django == "[]"
