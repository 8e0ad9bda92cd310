"""Code extraction and retrieval metrics, kept apart from training."""
