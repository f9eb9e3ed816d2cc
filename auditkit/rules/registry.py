"""The rule registry: every rule is a small function registered with its id, severity and the fields it reads.

A rule's docstring is its documentation, written for an auditor, with three headings: **What it checks**,
**Why it matters** and **Example** (and optionally **Limits**). The registry refuses a rule without them
or with a malformed id; ``auditkit rules`` and ``docs/rules.md`` are generated from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from auditkit.docstrings import HEADINGS, AuditorDoc, missing_headings
from auditkit.frames.findings import SEVERITIES

if TYPE_CHECKING:
    from auditkit.facts.context import RuleContext

RULE_ID = re.compile(r"^(W5|EV)_[A-Z0-9]+_\d{2}$")
DOC_HEADINGS = HEADINGS
FAMILIES = ("learner", "delivery", "milestone", "destination", "evidence")

RuleFunc = Callable[["RuleContext"], pd.DataFrame]


@dataclass(frozen=True)
class Rule(AuditorDoc):
    """One rule: ``func(ctx)`` returns the raw findings (see :meth:`RuleContext.findings`). ``issues``, when
    given, returns what the findings rest on, one row per document or requirement (the evidence rules:
    ``auditkit.facts.evidence.ISSUE_COLUMNS``), for views that show problems beside the documents."""

    id: str
    severity: str
    family: str
    reads: tuple[str, ...]
    func: RuleFunc
    needs_contract: bool = False
    issues: RuleFunc | None = None

    def find_issues(self, ctx: RuleContext) -> pd.DataFrame:
        """``issues(ctx)``, computed once per context (an empty frame for a rule without issues)."""
        if self.issues is None:
            return pd.DataFrame()
        issues = self.issues
        return ctx.memo(f"issues.{self.id}", lambda: issues(ctx))


REGISTRY: dict[str, Rule] = {}


def rule(id: str, severity: str, reads: tuple[str, ...] | list[str], family: str,
         needs_contract: bool = False, issues: RuleFunc | None = None) -> Callable[[RuleFunc], RuleFunc]:
    """Register a rule function under ``id`` (``issues``: see :class:`Rule`)."""

    def register(func: RuleFunc) -> RuleFunc:
        if not RULE_ID.match(id):
            raise ValueError(f"rule id {id!r} does not look like W5_XXX_NN or EV_XXX_NN")
        if id in REGISTRY:
            raise ValueError(f"rule {id} is registered twice")
        if severity not in SEVERITIES:
            raise ValueError(f"rule {id}: severity {severity!r} is not one of {SEVERITIES}")
        if family not in FAMILIES:
            raise ValueError(f"rule {id}: family {family!r} is not one of {FAMILIES}")
        missing = missing_headings(func, DOC_HEADINGS)
        if missing:
            raise ValueError(f"rule {id}: the docstring lacks the heading(s) {', '.join(missing)}")
        REGISTRY[id] = Rule(id, severity, family, tuple(reads), func, needs_contract, issues)
        return func

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, in catalogue order (family, then id)."""
    from auditkit import rules as _rules  # noqa: F401  (importing the package registers the rules)

    return sorted(REGISTRY.values(), key=lambda r: (FAMILIES.index(r.family), r.id))


def get_rules(ids: list[str] | tuple[str, ...] | None = None) -> list[Rule]:
    """The rules with these ids (all when None); an unknown id raises ValueError naming it."""
    rules = all_rules()
    if not ids:
        return rules
    known = {r.id: r for r in rules}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown rule id(s): {', '.join(unknown)}; `auditkit rules` lists them")
    return [known[i] for i in ids]
