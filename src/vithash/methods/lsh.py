"""LSH floor: signs of random Gaussian projections of the centred pixels (nothing is trained)."""
import torch

from vithash.methods.base import HashMethod
from vithash.methods.registry import register


@register("lsh")
class LSH(HashMethod):
    trains_network = False
    hyper = {"seed": 0}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        self.projection = None

    def fit(self, train_pixels):
        """train_pixels: float [n, D]; the mean is taken from the training images only."""
        g = torch.Generator().manual_seed(int(self.h["seed"]))
        self.mean = train_pixels.mean(0)
        self.projection = torch.randn(train_pixels.shape[1], self.bits, generator=g)

    def encode(self, pixels):
        return (pixels - self.mean) @ self.projection
