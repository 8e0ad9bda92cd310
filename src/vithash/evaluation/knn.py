"""k-nearest-neighbour probe of backbone features: how well frozen features separate the classes, no training.

Used before and after pretraining (labels are read only here, never by the pretraining itself)."""
import numpy as np
import torch

from vithash.evaluation.encode import encode_outputs


def knn_accuracy(ref_features, ref_labels, test_features, test_labels, k=20, chunk=1024):
    """Cosine k-NN majority vote (ties: the lower class index). Single-label only. Returns accuracy in [0, 1]."""
    ref = torch.nn.functional.normalize(torch.as_tensor(ref_features, dtype=torch.float32), dim=1)
    test = torch.nn.functional.normalize(torch.as_tensor(test_features, dtype=torch.float32), dim=1)
    ref_labels, test_labels = torch.as_tensor(ref_labels), torch.as_tensor(test_labels)
    classes = int(max(ref_labels.max(), test_labels.max())) + 1
    correct = 0
    for i in range(0, len(test), chunk):
        nearest = (test[i:i + chunk] @ ref.t()).topk(min(k, len(ref)), dim=1).indices
        votes = torch.nn.functional.one_hot(ref_labels[nearest], classes).sum(1)
        correct += int((votes.argmax(1) == test_labels[i:i + chunk]).sum())
    return correct / len(test)


def backbone_knn(backbone, pool, ref_idx, test_idx, k=20, threads=2, workers=0, device="cpu"):
    """k-NN accuracy of the backbone's CLS features: ref_idx images vote for the classes of test_idx images."""
    feats = {name: encode_outputs(backbone, pool.image_set(idx), pool.mean, pool.std, threads=threads,
                                  workers=workers, device=device)
             for name, idx in (("ref", ref_idx), ("test", test_idx))}
    return knn_accuracy(feats["ref"], pool.labels[ref_idx], feats["test"], pool.labels[test_idx], k)


def probe_sets(split, size=5000, seed=0):
    """The probe's labelled sets, neither touching the queries: the protocol training images vote, and `size`
    other database images (a seeded draw) are classified."""
    others = np.setdiff1d(split.database, split.train)
    test = np.sort(np.random.default_rng(seed).choice(others, min(size, len(others)), replace=False))
    return split.train, test
