"""The rule catalogue as text and markdown, generated from the registry."""

from __future__ import annotations

import pandas as pd

from auditkit.rules.registry import Rule, all_rules

_INTRO = """# Rules

Generated from the rule registry by `auditkit docs`; do not edit by hand (a test checks it).
`auditkit rules` prints the same catalogue. Severities: `no-pay` (the aim generates no funding for the
return), `error` (a mandatory field is missing or contradictory), `warning` (a data-quality or audit risk).
A rule that needs a contract value that was not given reports one `not-evaluated` finding per provider.
"""


def catalogue(rules: list[Rule] | None = None) -> pd.DataFrame:
    """One row per rule: id, severity, family, reads, summary."""
    rules = all_rules() if rules is None else rules
    return pd.DataFrame([{"id": r.id, "severity": r.severity, "family": r.family, "reads": ", ".join(r.reads),
                          "summary": r.summary} for r in rules])


def rules_markdown() -> str:
    """The whole of ``docs/rules.md``: a summary table, then each rule's documentation."""
    rules = all_rules()
    lines = [_INTRO, "| id | severity | reads | summary |", "|---|---|---|---|"]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {', '.join(r.reads)} | {r.summary} |" for r in rules]
    lines.append("")
    family = None
    for r in rules:
        if r.family != family:
            family = r.family
            lines += [f"## {family.capitalize()} rules", ""]
        body = r.doc.split("\n", 1)[1].strip() if "\n" in r.doc else ""
        lines += [f"### {r.id}", "", f"*{r.severity}* · reads {', '.join(r.reads)}", "", r.summary, "", body, ""]
    return "\n".join(lines).rstrip() + "\n"
