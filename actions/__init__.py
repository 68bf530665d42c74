"""Custom actions of the dialogue (rasa_sdk), one module per capability. No storage of their own."""
