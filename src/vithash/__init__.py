"""vithash: ViT deep-hashing models for the OpenSearch image-hash plugin (train, evaluate, export)."""

__version__ = "0.1.0"
