"""No ``Any`` in public signatures: what a public function takes and gives is said with real types.

Public: a function or method whose name does not start with ``_`` (dunder methods count), in a class and module
whose names do not start with ``_``. Annotations are read with ``ast`` (``from __future__ import annotations``
keeps them as text; a string annotation is parsed too). ``python -m mypy`` (run by .ci/run) checks the rest.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"



def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def names_any(annotation: ast.expr) -> bool:
    """Whether an annotation mentions ``Any`` (``Any``, ``typing.Any``, ``dict[str, Any]``, ``"Any | None"``)."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Name) and node.id == "Any" or isinstance(node, ast.Attribute) and node.attr == "Any":
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                continue
            if names_any(inner):
                return True
    return False


def _annotations(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p is not None)]
    return [x for x in [*(p.annotation for p in params), fn.returns] if x is not None]


def public_any(source: str) -> list[tuple[int, str]]:
    """(line, qualified name) of each public function or method with ``Any`` in a parameter or return annotation."""
    found: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not _private(node.name):
                visit(node.body, f"{prefix}{node.name}.")
            elif (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _private(node.name)
                  and any(names_any(x) for x in _annotations(node))):
                found.append((node.lineno, prefix + node.name))

    visit(ast.parse(source).body, "")
    return found


def _public_modules() -> dict[str, Path]:
    """``auditkit/...py`` -> path, of every module whose name (and package names) do not start with ``_``."""
    return {p.relative_to(PACKAGE.parent).as_posix(): p for p in sorted(PACKAGE.rglob("*.py"))
            if not any(_private(part) for part in p.relative_to(PACKAGE).with_suffix("").parts)}


def test_the_finder_sees_any_where_it_is_written():
    source = '''
from typing import Any
import typing

def a(x: Any) -> int: ...
def b(x: int) -> dict[str, Any]: ...
def c(*args: "Any | None") -> None: ...
def d(**kw: typing.Any) -> None: ...
def e(x: object) -> object: ...
def _f(x: Any) -> Any: ...
class C:
    def g(self, x: list[Any]) -> None: ...
    def __init__(self, x: Any) -> None: ...
    def _h(self, x: Any) -> None: ...
class _D:
    def i(self, x: Any) -> None: ...
'''
    assert [name for _, name in public_any(source)] == ["a", "b", "c", "d", "C.g", "C.__init__"]


def test_no_any_in_public_signatures():
    modules = _public_modules()
    wrong = [f"{rel}:{line}: {name}" for rel, path in modules.items()
             for line, name in public_any(path.read_text(encoding="utf-8"))]
    assert not wrong, "Any in public signatures (use real types, or object where truly anything):\n" + "\n".join(wrong)
