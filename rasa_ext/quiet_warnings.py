"""Keeps the warning filters the environment asked for (PYTHONWARNINGS, which `bot run` sets to
hide Rasa's libraries' deprecation notes). Sanic turns deprecation warnings back on ("once") when
it is imported; importing it here first and then putting the environment's filters back in front
undoes that. Import this module before rasa or rasa_sdk. Changes no other behaviour.
"""
from __future__ import annotations

import builtins
import sys
import warnings

import sanic.app  # noqa: F401  - its import adds the filter that the lines below override


# The actions warnings.filterwarnings takes.
ACTIONS = ("default", "error", "ignore", "always", "all", "module", "once")


def _reapply(options: list[str]) -> None:
    """`action::Category` options with a built-in category, as PYTHONWARNINGS holds them."""
    for option in options:
        action, _, category, *_ = (option.split(":") + ["", "", ""])[:5]
        kind = getattr(builtins, category.strip(), None) if category.strip() else Warning
        if action.strip() in ACTIONS and isinstance(kind, type) and issubclass(kind, Warning):
            warnings.filterwarnings(action.strip(), category=kind)  # type: ignore[arg-type]  # checked above


_reapply(list(sys.warnoptions))
