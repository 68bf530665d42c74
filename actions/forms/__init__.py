"""What every form shares: reading typed or pressed answers, and one validation with one
interruption rule."""
