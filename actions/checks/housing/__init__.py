"""The housing check: its decision rules (decision.py, pure) and its conversation (conversation.py)."""
