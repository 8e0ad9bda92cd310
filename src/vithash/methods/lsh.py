"""LSH floor: signs of random Gaussian projections of the centred pixels (nothing is trained)."""
import time

import torch

from vithash.data.images import in_order, loader
from vithash.methods.base import HashMethod
from vithash.methods.registry import register


def _pixels(images_u8):
    return images_u8.reshape(len(images_u8), -1).float() / 255.0


@register("lsh")
class LSH(HashMethod):
    hyper = {"seed": 0}

    def fit(self, images, labels, setup):
        started = time.perf_counter()
        self.workers = setup.workers
        total, n = None, 0
        for batch in self._batches(images):  # the mean pixel of the training images only, streamed
            pixels = _pixels(batch)
            total = pixels.sum(0) if total is None else total + pixels.sum(0)
            n += len(pixels)
        g = torch.Generator().manual_seed(int(self.h["seed"]))
        self.mean = total / n
        self.projection = torch.randn(len(self.mean), self.bits, generator=g)
        return {"train_seconds": time.perf_counter() - started, "epochs": 0, "loss_history": [],
                "loss_terms_history": [], "probe_history": []}

    def encode(self, images):
        return torch.cat([(_pixels(b) - self.mean) @ self.projection for b in self._batches(images)]).numpy()

    def _batches(self, images):
        return loader(images, in_order(len(images), 1000), self.workers)
