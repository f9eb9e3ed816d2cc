"""Layers import in one direction only: nothing below imports from above.

readers (ILR, evidence, registers, contracts) -> frames -> rules, milestones, kpis, ... -> workpapers ->
widgets, charts, report, cli, notebooks. Every import of an auditkit module, also inside functions, is
checked against this table.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"

#: Layer of each module (by dotted prefix; the longest prefix wins). Lower layers never import higher ones.
LAYERS: dict[str, int] = {
    # 0: declarations and reference facts (codes, calendars, places, the funder's terms)
    "auditkit.errors": 0, "auditkit.frames": 0, "auditkit.reference": 0, "auditkit.privacy": 0,
    # 1: reading and writing files
    "auditkit.readers": 1, "auditkit.writers": 1, "auditkit.samples": 1,
    # 2: what is derived once per case and shared
    "auditkit.facts": 2,
    # 3: the rules (leaves: only their registry is imported from outside rules/)
    "auditkit.rules": 3,
    # 4: what each learner earned; 5: the measures (KPIs, trends, changes)
    "auditkit.funding": 4, "auditkit.measures": 5,
    # 6: one case, read once
    "auditkit.case": 6,
    # 7: the workpaper store (to come)
    "auditkit.workpapers": 7,
    # 8: what people use
    "auditkit.views": 8, "auditkit.widgets": 8, "auditkit.report": 8, "auditkit.cli": 8,
    "auditkit": 8,  # the package's __init__ re-exports for users
}


def layer(module: str) -> int:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[best]


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("auditkit"):
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(MODULES)
            found.update(submodules or {node.module})
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("auditkit"))
    return found


MODULES = modules()


def test_every_module_has_a_layer():
    assert all(layer(m) is not None for m in MODULES)


def test_no_module_imports_from_a_higher_layer():
    wrong = [f"{m} (layer {layer(m)}) imports {i} (layer {layer(i)})"
             for m, path in sorted(MODULES.items()) if m != "auditkit"
             for i in sorted(imports(path)) if layer(i) > layer(m)]
    assert not wrong, "\n".join(wrong)
