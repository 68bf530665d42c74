"""Custom actions of the dialogue (rasa_sdk), one module or package per capability: the handover,
the guided checks, help lines, the wish to stop, the fallback. No storage of their own."""
