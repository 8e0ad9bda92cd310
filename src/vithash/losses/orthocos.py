"""Single-loss hashing (OrthoHash/OrthoCos, Hoe et al. NeurIPS 2021).

One cross-entropy over scaled cosines between the hash output and a *fixed* ±1 codeword per class.
Maximising the cosine to the class codeword both separates classes and pulls the output's direction
onto a binary vertex, so no separate quantization term (and no weight to balance) is needed.
"""
import torch
import torch.nn.functional as F

from vithash.data.labels import is_multi_label
from vithash.losses.terms import summed


def bernoulli_codebook(num_classes, bits, seed=0):
    """Fixed class codewords: independent fair ±1 bits (OrthoHash's default "B" codebook), except that a bit on which
    every class agrees is drawn again. Such a bit separates no class, so the loss gives it no gradient: with the
    BatchNorm head, weight decay then shrinks it to an output of ~1e-8 whose sign is noise (one of the 64 bits of
    seed 0's 10-class codebook was one; the trained model's codes then carried a random bit, and no image had every
    output far enough from 0 for a golden code)."""
    g = torch.Generator().manual_seed(seed)
    book = torch.randint(0, 2, (num_classes, bits), generator=g).float() * 2 - 1
    if num_classes > 1:
        for j in range(bits):
            while book[:, j].abs().sum() == book[:, j].sum().abs():  # all +1 or all -1
                book[:, j] = torch.randint(0, 2, (num_classes,), generator=g).float() * 2 - 1
    return book


def spread_codebook(num_classes, bits, seed=0, tries=2000):
    """Fixed class codewords drawn far apart (OrthoHash's optional "O" codebook): fair ±1 codewords accepted one by
    one only if they are at least ``need`` bits from every codeword kept so far; ``need`` starts at ``bits`` and drops
    by one after ``tries`` rejections in a row. Bernoulli codewords leave some pairs of classes close by chance (10
    classes, seed 0: 3 / 7 / 24 bits apart at 16 / 32 / 64 bits), and two classes 3 bits apart are one flipped bit
    from sharing a radius-1 ball; these are 7 / 15 / 31 apart (the Plotkin bound for 10 codewords of 16 bits is 8).
    A book with a bit every class agrees on (see ``bernoulli_codebook``) is drawn again."""
    g = torch.Generator().manual_seed(seed)
    while True:
        book, need, fails = [], bits, 0
        while len(book) < num_classes:
            c = torch.randint(0, 2, (bits,), generator=g).float() * 2 - 1
            if all(int((c != b).sum()) >= need for b in book):
                book.append(c)
                fails = 0
            else:
                fails += 1
                if fails >= tries:
                    need, fails = need - 1, 0
        book = torch.stack(book)
        if num_classes < 2 or (book.sum(0).abs() < num_classes).all():
            return book


CODEBOOKS = {"B": bernoulli_codebook, "O": spread_codebook}


def orthocos_loss(v, labels, codebook, scale=8.0, margin=0.2, quantization_weight=0.0):
    """The single objective; ``quantization_weight`` > 0 adds OrthoHash's own optional quantization term (its
    ``quan`` with ``quan_type="cs"``: 1 - cos(v, sign(v)), default weight 0 there too), for the ablation of one
    objective against the same aims weighted as separate terms."""
    cos = F.normalize(v, dim=1) @ F.normalize(codebook, dim=1).t()  # [N, C]
    if is_multi_label(labels):
        # OrthoHash's multi-label form: the margin on every positive class, cross-entropy against the labels
        # spread evenly over an image's classes
        target = labels.float() / labels.float().sum(1, keepdim=True).clamp(min=1)
        logits = scale * (cos - margin * labels.float())
        terms = {"ce": -(target * F.log_softmax(logits, dim=1)).sum(1).mean()}
    else:
        logits = scale * (cos - margin * F.one_hot(labels, codebook.shape[0]))
        terms = {"ce": F.cross_entropy(logits, labels)}
    if quantization_weight > 0:
        terms["quantization"] = quantization_weight * (1 - F.cosine_similarity(v, v.detach().sign(), dim=1)).mean()
    return summed(**terms)
