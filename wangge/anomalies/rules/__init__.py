"""The anomaly rules (R-33). Each is one class in one of the modules below; importing them registers them."""

# Importing the modules runs their class statements, which is what registers each rule.
from wangge.anomalies.rules import houses, people  # noqa: F401
from wangge.anomalies.rules.base import REGISTRY, Finding, Rule


def all_rules() -> list[type[Rule]]:
    return list(REGISTRY.values())


def rule_for(code: str) -> type[Rule] | None:
    return REGISTRY.get(code)


def rule_choices() -> list[tuple[str, str]]:
    return [(rule.code, str(rule.title)) for rule in REGISTRY.values()]


__all__ = ["REGISTRY", "Finding", "Rule", "all_rules", "rule_choices", "rule_for"]
