"""The guided checks: shared form and result machinery, the readers of the answers, and one
package per check (its pure decision rules apart from its Rasa conversation)."""
