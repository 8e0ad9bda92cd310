"""Backbones (a configurable ViT, optionally with a conv stem; torchvision ViT-B/16) and the hash head."""
