"""Checks: Snapshot + knowledge -> Findings. One module per check family; prose in ``defs/``."""

from howsafe.checks.base import AuditContext, Check, CheckDef, load_def
from howsafe.checks.registry import all_checks, register

__all__ = ["AuditContext", "Check", "CheckDef", "all_checks", "load_def", "register"]
