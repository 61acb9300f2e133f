"""A module of the project uses only the public names of its other modules. A name with a
leading underscore (``_locked_note``) belongs to the module that defines it, which may change
it at will; a helper another module needs gets a public name and a docstring saying what it
promises. Read from the source, like ``test_layers``: ``from m import _x`` (relative ones
too), ``import m._x``, and ``m._x`` on a name bound to a project module, at the top of a file
or inside a function. Dunder names (``__version__``) are public by convention.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's packages: the product, its API and its benchmark app.
PACKAGES = ("notes", "accounts", "papernotes", "api", "bench")


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def project_modules(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module ``from … import`` reads from, with a relative one resolved against
    ``module`` (itself a package when ``is_package``)."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and (head := _dotted(node.value)) is not None:
        return f"{head}.{node.attr}"
    return None


def private_uses(
    source: str, module: str, known: set[str], *, is_package: bool = False
) -> list[str]:
    """Each use in ``source`` (the text of ``module``) of a private name of another project
    module, as ``"<line>: <module>.<name>"``."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # a local name to the project module it stands for
    found: list[str] = []

    def other(target: str) -> bool:
        return target in known and target != module

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                for depth, part in enumerate(parts):
                    if is_private(part) and other(".".join(parts[:depth])):
                        found.append(f"{node.lineno}: {alias.name}")
                        break
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound[parts[0]] = parts[0]
        elif isinstance(node, ast.ImportFrom):
            source_module = _absolute(node, module, is_package)
            for part_depth, part in enumerate(source_module.split(".")):
                head = ".".join(source_module.split(".")[:part_depth])
                if is_private(part) and other(head):
                    found.append(f"{node.lineno}: {source_module}")
                    break
            for alias in node.names:
                full = f"{source_module}.{alias.name}"
                if is_private(alias.name) and other(source_module):
                    found.append(f"{node.lineno}: {full}")
                if full in known:
                    bound[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            dotted = _dotted(node.value)
            if dotted is None:
                continue
            first, _, rest = dotted.partition(".")
            if first not in bound:
                continue
            target = ".".join(filter(None, [bound[first], rest]))
            if other(target):
                found.append(f"{node.lineno}: {target}.{node.attr}")
    return sorted(set(found), key=lambda line: (int(line.split(":")[0]), line))


def _problems(modules: dict[str, Path]) -> list[str]:
    """Every use, in ``modules``, of another of their private names."""
    known = set(modules)
    return [
        f"{path.relative_to(ROOT)}:{line}"
        for name, path in sorted(modules.items())
        for line in private_uses(
            path.read_text(), name, known, is_package=path.name == "__init__.py"
        )
    ]


def test_no_module_uses_a_private_name_of_another() -> None:
    assert _problems(project_modules()) == []


def test_no_test_module_uses_a_private_helper_of_another() -> None:
    # A test may look inside the module it tests; a helper that several test modules share
    # lives in a module of helpers (tests/factories.py, tests/hostile.py, …) by a public name.
    assert _problems(project_modules(("tests",))) == []


def test_the_check_sees_each_way_of_reaching_a_private_name() -> None:
    known = {"notes", "notes.services", "notes.services.notes", "notes.services.tags"}
    source = (
        "import os\n"
        "from notes.services.notes import _locked_note, save_revision\n"  # 2
        "from .notes import _NOTE_NUMBER_RE\n"  # 3
        "from notes.services import notes as written\n"
        "import notes.services.notes\n"
        "def f():\n"
        "    from . import _helper\n"  # 7
        "    written._save_revision()\n"  # 8
        "    notes.services.notes._cited('')\n"  # 9
        "    return os._exit, written.__doc__, written.save_revision\n"
    )
    assert private_uses(source, "notes.services.tags", known) == [
        "2: notes.services.notes._locked_note",
        "3: notes.services.notes._NOTE_NUMBER_RE",
        "7: notes.services._helper",
        "8: notes.services.notes._save_revision",
        "9: notes.services.notes._cited",
    ]
    # A module's own private names are its business, and other libraries' are not checked here.
    own = "from notes.services.notes import _cited\nfrom django.utils import _os\n"
    assert private_uses(own, "notes.services.notes", known) == []
    # In a package's __init__, "." is the package itself.
    assert private_uses(
        "from .notes import _cited\n", "notes.services", known, is_package=True
    ) == ["1: notes.services.notes._cited"]
