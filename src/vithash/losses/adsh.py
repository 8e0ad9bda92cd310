"""Asymmetric hashing (ADSH, Jiang & Li AAAI 2018; ADSHT, He & Wei JIG 2023, shuaichaochao/ADSHT).

The network encodes sampled images u_i; the database codes b_j in {±1}^K are free variables.
  hash loss      sum_ij (K S_ij - u_i.b_j)^2 + gamma sum_i ||u_i - b_idx(i)||^2
  classification re ||Y - B W||^2 + v ||W||^2,  closed form W = (B'B + (v/re) I)^-1 B'Y
B is updated by discrete cyclic coordinate descent (DCC), one bit column at a time.
Similarities are "softened" as in ADSHT: S = 1 for a shared label, -r otherwise, r = #similar/#dissimilar.
"""
import torch

from vithash.data.labels import is_multi_label, similar


def soft_similarity(labels_a, labels_b, r):
    same = similar(labels_a, labels_b).float()
    return same * (1 + r) - r


def similarity_ratio(labels):
    """r = #similar pairs / #dissimilar pairs over the training labels (single-label: by class counts)."""
    if is_multi_label(labels):  # counted 1,024 rows at a time: memory 1,024 x n
        pairs = sum(float(similar(labels[i:i + 1024], labels).double().sum()) for i in range(0, len(labels), 1024))
        return pairs / max(1.0, len(labels) ** 2 - pairs)
    counts = torch.bincount(labels).double()
    pairs = (counts ** 2).sum()
    return float(pairs / (len(labels) ** 2 - pairs))


def adsh_hash_loss(u, batch_labels, batch_index, codes, code_labels, gamma, r):
    """u: tanh outputs [m, K] of images whose rows in `codes` are `batch_index`. Normalised by m * n (ADSHT)."""
    bits = u.shape[1]
    s = soft_similarity(batch_labels, code_labels, r)
    pair = (bits * s - u @ codes.t()).pow(2).sum()
    anchor = gamma * (u - codes[batch_index]).pow(2).sum()
    pairs = u.shape[0] * codes.shape[0]
    # The total divides the sum once, as ADSHT does; the terms add up to it up to float rounding.
    return {"loss": (pair + anchor) / pairs, "pair": pair / pairs, "anchor": anchor / pairs}


def classification_loss(u, onehot, classifier):
    """||y_i - W'u_i||^2 per image, averaged: the classification term on the network side, W held fixed."""
    return (onehot - u @ classifier).pow(2).sum(1).mean()


def closed_form_classifier(codes, onehot, re, v):
    bits = codes.shape[1]
    return torch.linalg.solve(codes.t() @ codes + (v / re) * torch.eye(bits, dtype=codes.dtype), codes.t() @ onehot)


def dcc_objective(codes, u, sampled, s_sampled, gamma, onehot=None, w=None, re=0.0):
    """The B-step objective (constants dropped):
    ||U B'||^2 - 2 tr(B'Q) + re ||Y - BW||^2, with Q = K S'U + gamma Ubar (Ubar: u at the sampled rows)."""
    bits = codes.shape[1]
    ubar = torch.zeros_like(codes)
    ubar[sampled] = u
    q = bits * s_sampled.t() @ u + gamma * ubar
    value = (u @ codes.t()).pow(2).sum() - 2 * (codes * q).sum()
    if re:
        value = value + re * (onehot - codes @ w).pow(2).sum()
    return float(value)


def dcc_update(codes, u, sampled, s_sampled, gamma, onehot=None, w=None, re=0.0, sweeps=1):
    """Minimises dcc_objective over codes in {±1}, one bit column at a time (each step is exact).

    codes [n, K]; u [m, K] tanh outputs of the sampled images; sampled [m] their rows in codes;
    s_sampled [m, n] similarities. With re > 0 the classification term adds re * Y w_k to q_k and
    -re * B' W' w_k to the column's linear term (the ADSHT form).
    """
    codes = codes.clone()
    bits = codes.shape[1]
    ubar = torch.zeros_like(codes)
    ubar[sampled] = u
    q = bits * s_sampled.t() @ u + gamma * ubar
    if re:
        q = q + re * onehot @ w.t()  # w: [K, C]
    for _ in range(sweeps):
        for k in range(bits):
            rest = [j for j in range(bits) if j != k]
            linear = q[:, k] - codes[:, rest] @ (u[:, rest].t() @ u[:, k])
            if re:
                linear = linear - re * codes[:, rest] @ (w[rest] @ w[k])
            new = linear.sign()
            new[new == 0] = codes[new == 0, k]  # keep the old bit on an exact tie
            codes[:, k] = new
    return codes
