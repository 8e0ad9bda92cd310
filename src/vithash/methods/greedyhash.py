"""GreedyHash baseline: classification on sign codes with a straight-through gradient."""
from torch import nn

from vithash.losses.greedyhash import greedyhash_loss
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("greedyhash")
class GreedyHash(NetworkMethod):
    hyper = {"alpha": 0.1}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        # A parameter of the method, so the optimiser trains it (the bug fixed in swuxyj PR #32).
        self.classifier = nn.Linear(bits, num_classes, bias=False)

    def loss(self, out, labels, index):
        return greedyhash_loss(out, labels, self.classifier, self.h["alpha"])
