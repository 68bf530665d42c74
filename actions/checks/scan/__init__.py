"""The scan of six areas of life: which need a step (decision.py, pure) and its conversation (conversation.py)."""
