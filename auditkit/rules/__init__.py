"""The WMCA Wave 5 rule set: importing this package registers every rule (see ``registry``)."""

from auditkit.facts.context import RuleContext
from auditkit.rules import delivery, destination, evidence, learner, milestone  # noqa: F401
from auditkit.rules.evidence import co_funders, first_places
from auditkit.rules.registry import REGISTRY, Rule, all_rules, get_rules, rule
from auditkit.rules.runner import error_text, rule_issues, run_rule, run_rules

__all__ = ["REGISTRY", "Rule", "RuleContext", "all_rules", "co_funders", "error_text", "first_places", "get_rules",
           "rule", "rule_issues", "run_rule", "run_rules"]
