"""Talking to an OpenSearch node that runs the image-hash plugin: a small JSON-over-HTTP client and demos."""
