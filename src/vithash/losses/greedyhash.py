"""GreedyHash (Su et al. NeurIPS 2018): sign() in the forward pass, identity gradient in the backward pass."""
import torch
import torch.nn.functional as F

from vithash.data.labels import is_multi_label
from vithash.losses.terms import summed


class _SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.sign()

    @staticmethod
    def backward(ctx, grad):
        return grad


def sign_ste(x):
    return _SignSTE.apply(x)


def greedyhash_loss(u, labels, classifier, alpha=0.1):
    """CE of a bias-free classifier applied to b = sign(u), plus alpha * mean(||u| - 1|^3)."""
    b = sign_ste(u)
    if is_multi_label(labels):  # one sigmoid per label
        return summed(bce=F.binary_cross_entropy_with_logits(classifier(b), labels.float()),
                      quantization=alpha * (u.abs() - 1).abs().pow(3).mean())
    return summed(ce=F.cross_entropy(classifier(b), labels), quantization=alpha * (u.abs() - 1).abs().pow(3).mean())
