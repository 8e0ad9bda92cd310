"""LSH floor: signs of random Gaussian projections of the centred pixels (nothing is trained)."""
import time

import torch

from vithash.methods.base import HashMethod
from vithash.methods.registry import register


def _pixels(images_u8):
    return images_u8.reshape(len(images_u8), -1).float() / 255.0


@register("lsh")
class LSH(HashMethod):
    hyper = {"seed": 0}

    def fit(self, images_u8, labels, setup):
        started = time.perf_counter()
        train_pixels = _pixels(images_u8)
        g = torch.Generator().manual_seed(int(self.h["seed"]))
        self.mean = train_pixels.mean(0)  # from the training images only
        self.projection = torch.randn(train_pixels.shape[1], self.bits, generator=g)
        return {"train_seconds": time.perf_counter() - started, "epochs": 0, "loss_history": [],
                "loss_terms_history": []}

    def encode(self, images_u8):
        return ((_pixels(images_u8) - self.mean) @ self.projection).numpy()
