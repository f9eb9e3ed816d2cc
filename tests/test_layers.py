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
    # 0: declarations and reference facts
    "auditkit.errors": 0, "auditkit.frames": 0, "auditkit.uln": 0, "auditkit.aims": 0, "auditkit.reference": 0,
    "auditkit.privacy": 0,
    # 1: reading and writing files
    "auditkit.readers": 1, "auditkit.writers": 1, "auditkit.samples": 1,
    # 2: what is computed from the frames
    "auditkit.rules": 2, "auditkit.learner_types": 2, "auditkit.milestones": 2, "auditkit.kpis": 2,
    "auditkit.trends": 2, "auditkit.changes": 2, "auditkit.evidence_view": 2, "auditkit.summaries": 2,
    "auditkit.check": 2, "auditkit.scope": 2,
    # 3: the workpaper store (to come)
    "auditkit.workpapers": 3,
    # 4: what people use
    "auditkit.charts": 4, "auditkit.widgets": 4, "auditkit.report": 4, "auditkit.cli": 4, "auditkit.docs": 4,
    "auditkit": 4,  # the package's __init__ re-exports for users
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
