"""The arrows between the code's parts, read from the imports (ast, module level): route modules
-> domain -> storage, never back; no cycles; and docs/architecture.md draws exactly the arrows
between the domain's parts that the code has, so the picture cannot go stale.

A new import between two parts fails here until the picture shows it; an import that runs back up
(a domain module importing a route module, a cycle) fails for good.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("bot", "channels", "actions")
DOC = ROOT / "docs" / "architecture.md"
# Composition roots build everything, so they may import everything; nothing imports them.
ROOTS = {"bot.app", "bot.cli", "bot.cluster", "bot.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for part in PARTS for path in sorted((ROOT / part).rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """The project's modules `path` imports at module level."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


IMPORTS = {module: imported(path) - {module} for module, path in MODULES.items()}


def is_web_layer(module: str) -> bool:
    """Channels, and modules that register routes, middlewares or sub-apps: the only ones that
    know web.Request and HTTP errors."""
    if module.startswith("channels"):
        return True
    source = MODULES[module].read_text(encoding="utf-8")
    return any(mark in source for mark in ("RouteTableDef()", "@web.middleware", "add_subapp("))


WEB = {module for module in MODULES if module.startswith(("bot", "channels")) and is_web_layer(module)}
DOMAIN = {module for module in MODULES if module.startswith("bot") and module not in WEB | ROOTS}


def part_of(module: str) -> str:
    """bot.<package> or a top-level bot module; actions.<package or module>."""
    return ".".join(module.split(".")[:2])


def domain_arrows() -> set[tuple[str, str]]:
    return {(part_of(a), part_of(b)) for a in DOMAIN for b in IMPORTS[a] if part_of(a) != part_of(b)}


def actions_arrows() -> set[tuple[str, str]]:
    return {(part_of(a), part_of(b)) for a, targets in IMPORTS.items() if a.startswith("actions.")
            for b in targets if part_of(a) != part_of(b) and b != "actions"}


def drawn(name: str) -> set[tuple[str, str]]:
    block = re.search(rf"```text {name}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, f"docs/architecture.md lost its ```text {name} block"
    arrows = set()
    for line in block.group(1).splitlines():
        if "->" in line:
            source, targets = (side.strip() for side in line.split("->"))
            arrows |= {(source, target.strip()) for target in targets.split(",")}
    return arrows


def as_block(arrows: set[tuple[str, str]]) -> str:
    by_source: dict[str, list[str]] = {}
    for source, target in sorted(arrows):
        by_source.setdefault(source, []).append(target)
    return "\n".join(f"{source} -> {', '.join(targets)}" for source, targets in by_source.items())


def cycles(edges: set[tuple[str, str]] | dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for source, targets in (edges.items() if isinstance(edges, dict) else ((a, {b}) for a, b in edges)):
        graph.setdefault(source, set()).update(targets)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back_through_others():
    assert cycles(IMPORTS) == []


def test_domain_modules_never_import_the_web_layer():
    assert sorted((a, b) for a in DOMAIN for b in IMPORTS[a] if b in WEB) == []


def test_nothing_imports_a_composition_root():
    assert sorted((a, b) for a, targets in IMPORTS.items() for b in targets if b in ROOTS) == []


def test_the_domain_parts_import_each_other_one_way():
    assert cycles(domain_arrows()) == []


def test_the_actions_never_import_the_bot_service_and_their_parts_point_one_way():
    assert sorted((a, b) for a, targets in IMPORTS.items() if a.startswith("actions")
                  for b in targets if not b.startswith("actions")) == []
    assert cycles(actions_arrows()) == []


def test_docs_architecture_draws_exactly_the_arrows_of_the_code():
    for name, actual in (("domain", domain_arrows()), ("actions", actions_arrows())):
        picture = drawn(name)
        assert actual == picture, (
            f"{name}: missing from the picture {sorted(actual - picture)}; drawn but not in the code "
            f"{sorted(picture - actual)}. The ```text {name} block the code has:\n{as_block(actual)}")
