"""uint8 images -> the network's float input: pixels in [0, 1], then per-channel (x - mean) / std.

The one definition for training, evaluation and export, so the exported model.json's normalisation is the
one the network was trained with.
"""
import torch


def normalise(images_u8, mean, std):
    x = images_u8.float() / 255.0
    m = torch.tensor(mean, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32, device=x.device).view(1, -1, 1, 1)
    return (x - m) / s
