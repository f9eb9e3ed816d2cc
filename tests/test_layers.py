"""Layers import in one direction only: nothing below imports from above.

reference, frames -> readers, writers, samples -> facts -> rules -> funding -> measures -> case -> workpapers ->
views, cli (see :data:`LAYERS`). Every import of an auditkit module, also inside functions, is checked against
this table; rule modules are leaves: outside auditkit/rules/ only the package API and the catalogue are used.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"

#: Layer of each module (by dotted prefix; the longest prefix wins). Lower layers never import higher ones.
LAYERS: dict[str, int] = {
    # 0: declarations and reference facts (codes, calendars, places, the funder's terms)
    "auditkit.errors": 0, "auditkit.docstrings": 0, "auditkit.frames": 0, "auditkit.reference": 0,
    "auditkit.privacy": 0,
    # 1: reading and writing files
    "auditkit.readers": 1, "auditkit.writers": 1, "auditkit.samples": 1,
    # 2: what is derived once per case and shared
    "auditkit.facts": 2,
    # 3: the rules (leaves: only their registry is imported from outside rules/)
    "auditkit.rules": 3,
    # 4: what each learner earned; 5: the measures (KPIs, trends, changes), audit sampling, anomaly detectors
    "auditkit.funding": 4, "auditkit.measures": 5, "auditkit.sampling": 5, "auditkit.anomalies": 5,
    # 6: one case, read once; a national run, one provider's case at a time
    "auditkit.case": 6, "auditkit.national": 6,
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


#: What other layers may use of the rules: the package API (``auditkit.rules.__all__``) and the catalogue.
RULES_API_MODULES = {"auditkit.rules", "auditkit.rules.registry", "auditkit.rules.docs"}


def rules_imports(path: Path) -> list[str]:
    """The rule modules and names ``path`` imports from ``auditkit.rules`` (``module`` or ``module.name``)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "auditkit.rules" or node.module.startswith("auditkit.rules.")):
            found += [f"{node.module}.{a.name}" if node.module == "auditkit.rules" else node.module
                      for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("auditkit.rules")]
    return found


def test_rule_modules_are_leaves():
    """Nothing outside auditkit/rules/ imports a rule module: only the package API and the catalogue."""
    import auditkit.rules

    allowed = RULES_API_MODULES | {f"auditkit.rules.{name}" for name in auditkit.rules.__all__}
    wrong = [f"{m} imports {i}" for m, path in sorted(MODULES.items())
             if m != "auditkit.rules" and not m.startswith("auditkit.rules.")
             for i in rules_imports(path) if i not in allowed]
    assert not wrong, "\n".join(wrong)
    # the check sees imports inside functions too, and a rule module by name
    assert rules_imports(MODULES["auditkit.views.evidence"]) and "auditkit.rules.evidence" not in allowed
