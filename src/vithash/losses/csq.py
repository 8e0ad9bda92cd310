"""Central Similarity Quantization (Yuan et al. CVPR 2020): pull tanh outputs onto per-class hash centres."""
import torch
import torch.nn.functional as F

from vithash.data.labels import is_multi_label
from vithash.losses.terms import summed


def hadamard(n):
    h = torch.ones(1, 1)
    while h.shape[0] < n:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


def hash_centers(num_classes, bits, seed=0):
    """Rows of [H; -H] (Hadamard, pairwise distance >= K/2) when 2K >= C and K is a power of two;
    otherwise random half-±1 centres accepted when their minimum distance exceeds K/4 (as CSQ does)."""
    if bits & (bits - 1) == 0 and 2 * bits >= num_classes:
        h = hadamard(bits)
        return torch.cat([h, -h], 0)[:num_classes]
    g = torch.Generator().manual_seed(seed)
    best, best_d = None, -1
    for _ in range(20):
        c = torch.stack([torch.randperm(bits, generator=g) < bits // 2 for _ in range(num_classes)]).float() * 2 - 1
        d = ((bits - c @ c.t()) / 2 + torch.eye(num_classes) * bits).min()
        if d > best_d:
            best, best_d = c, d
        if d > bits / 4:
            break
    return best


def csq_loss(u, labels, centers, quantization_weight=0.05):
    """u = tanh(output). BCE between u and its class centre in {0,1} space, plus (|u| - 1)^2. A multi-label
    image's centre is the sign of the sum of its labels' centres (a tied bit targets 0.5), as in CSQ."""
    if is_multi_label(labels):
        target = (torch.sign(labels.float() @ centers) + 1) / 2
    else:
        target = (centers[labels] + 1) / 2
    return summed(center=F.binary_cross_entropy((u + 1) / 2, target),
                  quantization=quantization_weight * (u.abs() - 1).pow(2).mean())
