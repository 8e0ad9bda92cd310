"""Batch augmentation on normalised tensors: random shifts (pad + crop) and horizontal flips.

Done on whole batches with torch ops because per-image PIL transforms would cost more CPU than the model.
"""
import torch
import torch.nn.functional as F


def random_shift_flip(x, max_shift=3, flip=True, generator=None):
    n, _, h, w = x.shape
    if max_shift:
        padded = F.pad(x, (max_shift,) * 4, mode="replicate")
        dy = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
        dx = torch.randint(0, 2 * max_shift + 1, (n,), generator=generator)
        rows = (dy[:, None] + torch.arange(h)[None])  # [n, h]
        cols = (dx[:, None] + torch.arange(w)[None])  # [n, w]
        batch = torch.arange(n)[:, None, None]
        x = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    if flip:
        mask = torch.rand(n, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    return x.contiguous()
