"""CSQ baseline: tanh outputs pulled onto Hadamard hash centres."""
import torch

from vithash.losses.csq import csq_loss, hash_centers
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("csq")
class CSQ(NetworkMethod):
    hyper = {"quantization_weight": 0.05}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        self.register_buffer("centers", hash_centers(num_classes, bits))

    def loss(self, out, labels, index):
        return csq_loss(torch.tanh(out), labels, self.centers, self.h["quantization_weight"])
