"""Labels are class indices [N] (single-label) or multi-hot rows [N, C] (multi-label); two images are similar when
they share a label. One definition for losses and metrics (vithash.evaluation.metrics.relevant is its numpy twin)."""
import torch
import torch.nn.functional as F


def is_multi_label(labels):
    return labels.dim() == 2


def similar(labels_a, labels_b):
    """bool [A, B]: whether each pair shares a label."""
    if is_multi_label(labels_a):
        return (labels_a.float() @ labels_b.float().t()) > 0
    return labels_a[:, None] == labels_b[None, :]


def multi_hot(labels, num_classes):
    """float [N, C]: one-hot rows for class indices, the rows themselves for multi-hot labels."""
    return labels.float() if is_multi_label(labels) else F.one_hot(labels, num_classes).float()
