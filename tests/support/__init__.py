"""Helpers the tests share: the stack as processes, stand-ins for Rasa and Telegram, clients of the
REST channel and the staff API. Fixtures live in the conftest.py files, never here."""
