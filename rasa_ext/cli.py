"""Rasa's own command line (`rasa train`, `rasa test`, ...) with the warning filters of the
environment kept (rasa_ext/quiet_warnings.py): `make train` runs it so a first run shows the
training's progress, not its libraries' deprecation notes or Rasa's notes on how this project
is built (rasa_ext/project_notes.py). Adds nothing else.
"""
from __future__ import annotations

import rasa_ext.quiet_warnings  # noqa: F401  - first: before rasa's imports warn
from rasa.__main__ import main

import rasa_ext.project_notes  # noqa: F401,E402  - after rasa: extends its list of expected warnings

if __name__ == "__main__":
    main()
