"""The names the action server spells exactly as the bot service does: the scan's domains and
ratings, the guided checks, the placeholder the gateway puts where a phone number was. Gathered
here so tests/actions/test_contract.py can hold them against the bot service's JSON Schema
(docs/contract/internal-api.schema.json). Holds no logic and never calls the bot service.
"""
from __future__ import annotations

from actions.check_form import CHECKS as CHECK_FORMS
from actions.checks.scan import RATINGS as SCAN_RATINGS
from actions.checks.scan import SCAN_DOMAINS
from actions.handover_answers import PHONE_PLACEHOLDER

CHECKS = tuple(sorted(CHECK_FORMS))

__all__ = ["CHECKS", "PHONE_PLACEHOLDER", "SCAN_DOMAINS", "SCAN_RATINGS"]
