"""Business rules in plain Python: no Reflex, no FastAPI. Both surfaces call these functions."""
