"""The emit stage: the YAML dialect, serialization, and the all-or-nothing writer."""
from ..files import MANIFEST
from .files import serialize, serialize_tree
from .writer import CheckReport, Plan, apply, check, plan

__all__ = ["MANIFEST", "CheckReport", "Plan", "apply", "check", "plan", "serialize", "serialize_tree"]
