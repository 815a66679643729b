"""The staff API under /api/v1."""
