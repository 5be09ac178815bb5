"""The import contract: the core never imports Qt or the GUI layer, and no module imports in a cycle."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from builders import REPOSITORY

PACKAGE = REPOSITORY / "ideepcolor_app"
QT = ("PySide6", "qimage2ndarray", "shiboken6")


def core_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "gui" not in p.relative_to(PACKAGE).parts)


def imported_names(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, at any depth (inside functions too)."""
    package = ".".join(("ideepcolor_app", *path.relative_to(PACKAGE).with_suffix("").parts[:-1]))
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_core_never_imports_qt_or_the_gui():
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(
            n for n in imported_names(p) if n.startswith(QT) or n.startswith("ideepcolor_app.gui")
        )
        for p in core_modules()
    }
    reached = {k: {".".join(n.split(".")[:3]) for n in v} for k, v in offenders.items() if v}
    assert reached == {
        "commands/bench.py": {"ideepcolor_app.gui.window_bench"},
        "commands/gui.py": {"ideepcolor_app.gui.app"},
    }, "only the command line's gui and bench commands reach into the GUI layer, lazily"


@pytest.mark.slow  # a Python process importing every core module
def test_importing_the_whole_core_loads_no_qt():
    modules = [
        ".".join(("ideepcolor_app", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for p in core_modules()
        if p.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({QT!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_module_imports_another_in_a_cycle():
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(("ideepcolor_app", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        graph[name] = {n for n in imported_names(path) if n.startswith("ideepcolor_app")}
    # an import of a name inside a module counts as an import of that module
    graph = {m: {d if d in graph else d.rsplit(".", 1)[0] for d in deps} - {m} for m, deps in graph.items()}
    graph = {m: {d for d in deps if d in graph and d != "ideepcolor_app"} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(module, stack):
        state[module] = 1
        for dep in graph[module]:
            assert state.get(dep) != 1, "import cycle: " + " -> ".join([*stack, module, dep])
            if dep not in state:
                visit(dep, [*stack, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_no_gui_module_edits_the_hints_itself():
    """The editor is the one door into the hints: widgets and actions send it intents."""
    import re

    mutators = "add|update|remove|clear|replace_all|select|undo|redo|set_global_hints|end_coalescing"
    pattern = re.compile(rf"\bhints\.({mutators})\(")
    offenders = {
        str(path.relative_to(PACKAGE)): pattern.findall(path.read_text()) for path in (PACKAGE / "gui").glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


ROOMS = [
    "base",
    "colour",
    "photos",
    "hints",
    "network",
    "inference",
    "editing",
    "video",
    "batch",
    "evaluation",
    "training",
    "commands",
]
"""The core's rooms, lowest first: each imports only from rooms before it (and itself)."""


def room_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "ideepcolor_app":
        return None
    if parts[1] in ("cli", "__main__"):
        return len(ROOMS) - 1  # the command line's top level
    return ROOMS.index(parts[1]) if parts[1] in ROOMS else None


def test_every_core_module_lives_in_a_room():
    homeless = [
        str(p.relative_to(PACKAGE))
        for p in core_modules()
        if p.parent == PACKAGE and p.name not in ("__init__.py", "__main__.py", "cli.py")
    ]
    assert homeless == [], "a new module belongs in one of the rooms"
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")) == sorted(
        [*ROOMS, "gui"]
    )


def test_rooms_import_only_from_rooms_below_them():
    upward = []
    for path in core_modules():
        module = ".".join(("ideepcolor_app", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        own = room_of(module)
        if own is None:
            continue
        for name in imported_names(path):
            other = room_of(name)
            if other is not None and other > own:
                upward.append(f"{module} -> {name}")
    assert upward == []
