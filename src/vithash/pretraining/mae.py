"""MAE-style masked image modelling for the small hybrid ViT (He et al., CVPR 2022, adapted to a conv stem).

MAE drops masked patches before the encoder. The hybrid ViT's 3x3 stride-2 convolutions see across the borders
of the pixel region each token stands for, so dropping tokens after the stem would still let a visible token see
part of its masked neighbours. Masking therefore happens in pixel space, before the stem: each token's pixel patch
(image_size / grid pixels a side, the last row and column cropped) is set to 0, the dataset mean in normalised
units. The encoder then runs on the visible tokens only (and the CLS token), as in MAE; a light decoder (one
narrow transformer block) gets mask tokens at the masked positions and predicts each masked patch's pixels,
normalised per patch (MAE's norm_pix_loss). The loss is the mean squared error over masked patches only.
"""
import math

import torch
from torch import nn

from vithash.losses.terms import summed
from vithash.models.vit import Block


def patch_size(image_size, grid):
    return math.ceil(image_size / grid)


def random_token_mask(n, tokens, ratio, generator=None, device="cpu"):
    """bool [n, tokens], True = masked; exactly round(ratio * tokens) masked per image (at least one visible)."""
    masked = min(tokens - 1, int(round(ratio * tokens)))
    order = torch.rand(n, tokens, generator=generator).argsort(1)
    mask = torch.zeros(n, tokens, dtype=torch.bool)
    mask.scatter_(1, order[:, :masked], True)
    return mask.to(device)


def pixel_mask(token_mask, grid, image_size):
    """bool [n, 1, H, W]: each masked token's whole pixel patch, the patches tiling the image row by row."""
    p = patch_size(image_size, grid)
    m = token_mask.view(-1, 1, grid, grid).repeat_interleave(p, 2).repeat_interleave(p, 3)
    return m[:, :, :image_size, :image_size]


def patchify(x, grid):
    """[n, C, H, W] -> [n, grid*grid, C*p*p]; the image is zero-padded at the bottom/right to grid*p pixels."""
    n, c, h, w = x.shape
    p = patch_size(h, grid)
    x = nn.functional.pad(x, (0, grid * p - w, 0, grid * p - h))
    x = x.view(n, c, grid, p, grid, p).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(n, grid * grid, c * p * p)


class MaskedAutoencoder(nn.Module):
    """backbone (vithash.models.vit.ViT) + light decoder. forward(x) returns the per-image reconstruction error
    [n, 1] (mean over the masked patches' pixels), so the shared training loop can drive it like a hash model."""

    def __init__(self, backbone, mask_ratio=0.75, decoder_width=64, decoder_depth=1, decoder_heads=4, norm_pix=True):
        super().__init__()
        self.backbone, self.mask_ratio, self.norm_pix = backbone, mask_ratio, norm_pix
        cfg = backbone.cfg
        self.grid, self.image_size = backbone.grid, cfg.image_size
        out = cfg.channels * patch_size(cfg.image_size, self.grid) ** 2
        self.decoder_embed = nn.Linear(cfg.width, decoder_width)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_width))
        self.decoder_pos = nn.Parameter(torch.randn(1, self.grid ** 2 + 1, decoder_width) * 0.02)
        self.decoder = nn.Sequential(*[Block(decoder_width, decoder_heads, 2.0, 0.0) for _ in range(decoder_depth)])
        self.decoder_norm = nn.LayerNorm(decoder_width)
        self.predict = nn.Linear(decoder_width, out)
        nn.init.normal_(self.mask_token, std=0.02)

    def forward(self, x, token_mask=None):
        if token_mask is None:  # drawn from torch's global generator (seeded by the training loop)
            token_mask = random_token_mask(x.shape[0], self.grid ** 2, self.mask_ratio, device=x.device)
        pred = self.reconstruct(x, token_mask)
        target = patchify(x, self.grid)
        if self.norm_pix:
            target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6).sqrt()
        err = (pred.float() - target).pow(2).mean(-1)  # [n, tokens]
        return ((err * token_mask).sum(1) / token_mask.sum(1))[:, None]

    def reconstruct(self, x, token_mask):
        """Predicted patches [n, tokens, C*p*p] from the visible part of x only (token_mask: True = masked)."""
        n, tokens = x.shape[0], self.grid ** 2
        masked_input = x.masked_fill(pixel_mask(token_mask, self.grid, self.image_size), 0.0)
        visible = (~token_mask).sum(1)[0]  # the same count in every row (random_token_mask)
        all_tokens = self.backbone.patch_tokens(masked_input)
        keep = (~token_mask).nonzero()[:, 1].view(n, int(visible))  # visible token positions, ascending
        kept = torch.gather(all_tokens, 1, keep[:, :, None].expand(-1, -1, all_tokens.shape[2]))
        encoded = self.decoder_embed(self.backbone.encode_tokens(kept))  # [n, 1 + visible, d]
        full = self.mask_token.expand(n, tokens, -1).clone()
        full.scatter_(1, keep[:, :, None].expand(-1, -1, full.shape[2]), encoded[:, 1:].to(full.dtype))
        full = torch.cat([encoded[:, :1], full], 1) + self.decoder_pos
        return self.predict(self.decoder_norm(self.decoder(full)))[:, 1:]


class ReconstructionObjective(nn.Module):
    """The training loop's method hooks for pretraining: one pass over the images per epoch in a fresh order,
    the loss being the mean reconstruction error the MaskedAutoencoder returns. Labels are never read."""

    def __init__(self, n_images):
        super().__init__()
        self.n = n_images

    def epoch_size(self):
        return self.n

    def epoch_indices(self, epoch, generator):
        return torch.randperm(self.n, generator=generator)

    def loss(self, out, labels, index):
        return summed(reconstruction=out.mean())

    def after_epoch(self, epoch):
        pass
