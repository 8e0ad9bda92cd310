"""Configuration and factories: everything that turns names and numbers into objects.

The recipe defaults below are the ones the committed results were produced with (docs/TRAINING.md).
"""
from dataclasses import asdict, dataclass, field

import torch

from vithash.methods.registry import get_method
from vithash.models.hash_head import HashingModel
from vithash.models.vit import ViT, ViTConfig


@dataclass
class TrainConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 2e-3  # peak of the one-cycle schedule
    weight_decay: float = 0.05
    warmup: float = 0.15  # fraction of steps spent rising to the peak
    max_shift: int = 3  # random shifts of up to this many pixels
    flip: bool = True  # random horizontal flips
    seed: int = 0
    threads: int = 2

    def to_dict(self):
        return asdict(self)


@dataclass
class ModelConfig:
    arch: str = "vit"  # "vit" (ViTConfig below) or a pretrained ViT of vithash.models.pretrained.ARCHS (vit_b16...)
    vit: ViTConfig = field(default_factory=lambda: ViTConfig(stem_convs=3, patch=1, width=96, depth=4, heads=4,
                                                             stem_width=32, mlp_ratio=2.0))
    weights: str = ""  # local torchvision or timm state-dict file for a pretrained arch

    def to_dict(self):
        return {"arch": self.arch, "vit": self.vit.to_dict(), "weights": self.weights}

    @staticmethod
    def from_dict(d):
        return ModelConfig(d["arch"], ViTConfig(**d["vit"]), d.get("weights", ""))


def build_backbone(cfg: ModelConfig, load_weights=True):
    """load_weights=False builds a pretrained arch without reading its weights file (a trained run's own state
    dict is about to replace them, so the file need not exist any more)."""
    from vithash.models.pretrained import PretrainedViT, is_pretrained

    if cfg.arch == "vit":
        return ViT(cfg.vit)
    if is_pretrained(cfg.arch):
        return PretrainedViT(cfg.arch, cfg.weights if load_weights else None, cfg.vit.image_size)
    raise ValueError(f"unknown arch {cfg.arch!r}")


def build_model(cfg: ModelConfig, bits, method_name, load_weights=True):
    if bits <= 0 or bits % 8:
        raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
    return HashingModel(build_backbone(cfg, load_weights), bits, get_method(method_name).head_batch_norm)


def build_method(name, bits, num_classes, train_labels, hyper=None):
    return get_method(name)(bits, num_classes, train_labels, **(hyper or {}))


def build_optimizer(params, cfg: TrainConfig):
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def build_scheduler(optimizer, cfg: TrainConfig, total_steps):
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=max(1, total_steps),
                                               pct_start=cfg.warmup, anneal_strategy="cos")
