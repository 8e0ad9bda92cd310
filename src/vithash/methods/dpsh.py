"""DPSH baseline: pairwise likelihood against a memory of every training image's latest output."""
import torch

from vithash.losses.dpsh import dpsh_loss
from vithash.methods.base import NetworkMethod
from vithash.methods.registry import register


@register("dpsh")
class DPSH(NetworkMethod):
    # A BatchNorm head, not DPSH's plain linear layer. From random init the plain head's outputs share one
    # direction (mean cosine 0.78 between images, theta ~ 8 for every pair), so 99.9% of the likelihood's gradient
    # is the same vector for every image: the network learnt to output one constant code (cosine 0.999, mAP@all
    # 0.100 after 6 epochs at 64 bits). BN centres each output over the batch and removes that shared part
    # (docs/results/ablations/dpsh/).
    head_batch_norm = True
    hyper = {"alpha": 0.1, "theta_scale": 0.5}

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__(bits, num_classes, train_labels, **hyper)
        self.register_buffer("memory", torch.zeros(len(self.train_labels), bits))

    def loss(self, out, labels, index):
        self.memory[index] = out.detach()
        return dpsh_loss(out, labels, self.memory, self.train_labels, self.h["alpha"], self.h["theta_scale"])
