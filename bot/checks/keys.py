"""Typed app keys of the guided checks: the rules with their yearly figures, and their editing."""
from __future__ import annotations

from aiohttp import web

from bot.checks.editing import RuleEditing
from bot.checks.rules import Rule

CHECK_RULES = web.AppKey("check_rules", dict[str, Rule])
RULE_EDITING = web.AppKey("rule_editing", RuleEditing)
