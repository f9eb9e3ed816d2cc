"""The WMCA Wave 5 rule set: importing this package registers every rule (see ``registry``)."""

from auditkit.facts.context import RuleContext
from auditkit.rules import delivery, destination, evidence, learner, milestone  # noqa: F401
from auditkit.rules.registry import REGISTRY, Rule, all_rules, get_rules, rule
from auditkit.rules.runner import rule_issues, run_rule, run_rules

__all__ = ["REGISTRY", "Rule", "RuleContext", "all_rules", "get_rules", "rule", "rule_issues", "run_rule", "run_rules"]
