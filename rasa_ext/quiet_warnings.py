"""Keeps the warning filters the environment asked for (PYTHONWARNINGS, which `bot run` and
`make train` set to hide Rasa's libraries' deprecation notes and the notes Rasa makes about this
project's design: bot/supervisor.py). Sanic turns deprecation warnings back on ("once") when
it is imported; importing it here first and then putting the environment's filters back in front
undoes that. Import this module before rasa or rasa_sdk. Changes no other behaviour.
"""
from __future__ import annotations

import builtins
import re
import sys
import warnings

import sanic.app  # noqa: F401  - its import adds the filter that the lines below override


# The actions warnings.filterwarnings takes.
ACTIONS = ("default", "error", "ignore", "always", "all", "module", "once")


def _reapply(options: list[str]) -> None:
    """`action:message:Category` options with a built-in category, as PYTHONWARNINGS holds them
    (the message is the start of the warning's text, as Python reads it there)."""
    for option in options:
        action, message, category, *_ = (option.split(":") + ["", "", ""])[:5]
        kind = getattr(builtins, category.strip(), None) if category.strip() else Warning
        if action.strip() in ACTIONS and isinstance(kind, type) and issubclass(kind, Warning):
            warnings.filterwarnings(action.strip(), message=re.escape(message.strip()),  # type: ignore[arg-type]
                                    category=kind)


_reapply(list(sys.warnoptions))
