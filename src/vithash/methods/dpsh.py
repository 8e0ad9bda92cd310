"""DPSH baseline: pairwise likelihood against a memory of every training image's latest output."""
import torch

from vithash.losses.dpsh import dpsh_loss
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("dpsh")
class DPSH(NetworkMethod):
    hyper = {"alpha": 0.1}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        self.register_buffer("memory", torch.zeros(len(self.train_labels), bits))

    def loss(self, out, labels, index):
        self.memory[index] = out.detach()
        return dpsh_loss(out, labels, self.memory, self.train_labels, self.h["alpha"])
