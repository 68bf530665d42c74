"""Code that runs inside the Rasa server (.venv-rasa): the gateway's channel and the spaCy model."""
