"""The package's shape (issue 23): sub-packages by stage, no import cycles (imports inside functions count)."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "publisher"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports(name: str) -> set[str]:
    """Every module of the package that `name` imports, at its top or inside a function (not for type checking)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text("utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    found.add(f"{base}.{alias.name}")
                elif base in MODULES:
                    found.add(base)
    found.discard(name)
    # A package's empty __init__ runs first, but holds nothing to import back.
    return {m for m in found if not (MODULES[m].name == "__init__.py" and m != "publisher")}


def cycles() -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    graph = {name: imports(name) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_import_cycles():
    assert cycles() == []


def test_the_checker_finds_a_cycle(tmp_path, monkeypatch):
    # The check above cannot pass by finding nothing: a function-level import back is a cycle.
    graph_source = {"publisher.a": "def f():\n    from publisher import b\n", "publisher.b": "from publisher import a\n"}
    for name, text in graph_source.items():
        path = tmp_path / "publisher" / f"{name.split('.')[1]}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "publisher")
    monkeypatch.setattr(sys.modules[__name__], "MODULES", {n: tmp_path / "publisher" / f"{n.split('.')[1]}.py"
                                                          for n in graph_source})
    assert cycles() == [["publisher.a", "publisher.b"]]


def test_at_most_eight_modules_in_the_package_root():
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= 8, root


def test_every_sub_package_is_a_stage():
    stages = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert stages == ["build", "cli", "core", "desk", "govern", "i18n", "mail", "outputs", "render", "site", "source"]


def test_no_file_over_400_lines():
    """A module a newcomer can read through: split one that grows past it, by what it does."""
    long = {module_name(p): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text("utf-8").splitlines())) > 400}
    assert long == {}


def test_the_lint_holds_functions_to_complexity_12():
    import tomllib
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))["tool"]["ruff"]["lint"]
    assert "C901" in config["select"] and config["mccabe"]["max-complexity"] == 12
