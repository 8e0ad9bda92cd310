"""A small, configurable Vision Transformer for training from scratch on CPU.

`stem_convs = 0` is a plain ViT: non-overlapping `patch` x `patch` patches, linearly embedded.
`stem_convs = n > 0` makes it a *hybrid* ViT (as in Dosovitskiy et al., sec. 3.1; Xiao et al. 2021,
"Early convolutions help transformers see better"): n stride-2 3x3 convolutions shrink the image by 2^n
before a `patch` x `patch` embedding, so the transformer sees far fewer tokens. That is what makes
from-scratch training on 5,000 images affordable on two CPU cores.
"""
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass
class ViTConfig:
    image_size: int = 28
    channels: int = 1
    patch: int = 1
    width: int = 96
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 2.0
    stem_convs: int = 2
    stem_width: int = 48
    dropout: float = 0.0

    def to_dict(self):
        return asdict(self)


def _conv_stem(cfg):
    layers, cin = [], cfg.channels
    for i in range(cfg.stem_convs):
        cout = cfg.stem_width * (2 ** i)
        layers += [nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.GELU()]
        cin = cout
    return nn.Sequential(*layers), cin


def _stem_output_size(size, convs):
    for _ in range(convs):
        size = (size + 2 - 3) // 2 + 1
    return size


class Block(nn.Module):
    """Pre-norm transformer encoder block."""

    def __init__(self, width, heads, mlp_ratio, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(width)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, width))

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """Returns the final CLS-token feature, [N, width]."""

    def __init__(self, cfg: ViTConfig):
        super().__init__()
        self.cfg = cfg
        self.stem, stem_channels = _conv_stem(cfg)
        grid = _stem_output_size(cfg.image_size, cfg.stem_convs)
        if grid % cfg.patch:
            raise ValueError(f"feature map {grid}x{grid} is not divisible by patch {cfg.patch}")
        tokens = (grid // cfg.patch) ** 2
        self.patch_embed = nn.Conv2d(stem_channels, cfg.width, cfg.patch, stride=cfg.patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, cfg.width))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens + 1, cfg.width) * 0.02)
        self.blocks = nn.Sequential(*[Block(cfg.width, cfg.heads, cfg.mlp_ratio, cfg.dropout) for _ in range(cfg.depth)])
        self.norm = nn.LayerNorm(cfg.width)
        self.out_features = cfg.width

    @property
    def grid(self):
        """Tokens per side: the token map is grid x grid, each token seeing about image_size / grid pixels."""
        return _stem_output_size(self.cfg.image_size, self.cfg.stem_convs) // self.cfg.patch

    def patch_tokens(self, x):
        """[N, grid*grid, width] patch tokens with their position embeddings, before the transformer."""
        return self.patch_embed(self.stem(x)).flatten(2).transpose(1, 2) + self.pos_embed[:, 1:]

    def encode_tokens(self, tokens):
        """CLS token + the given patch tokens through the transformer: [N, 1 + T, width] (CLS first)."""
        cls = (self.cls_token + self.pos_embed[:, :1]).expand(tokens.shape[0], -1, -1)
        return self.norm(self.blocks(torch.cat([cls, tokens], dim=1)))

    def forward(self, x):
        return self.encode_tokens(self.patch_tokens(x))[:, 0]
