"""Checks: every measurement of a project's data and outputs (rules, outputs, sources, audits,
bias), each ending in one CheckResult."""
