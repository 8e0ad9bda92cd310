"""The retrieval protocol: which pool images are queries, database and training images.

Queries: `queries_per_class` images per class drawn from the dataset's test split.
Database: every other image of the pool (69,000 for Fashion-MNIST).
Training: `train_per_class` images per class drawn from the database (fixed seed).
All draws use one numpy Generator seeded with `seed`, so a split is reproducible from its arguments.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Split:
    query: np.ndarray  # pool indices, sorted
    database: np.ndarray
    train: np.ndarray


def _per_class(rng, candidates, labels, per_class):
    picked = []
    for c in np.unique(labels[candidates]):
        members = candidates[labels[candidates] == c]
        if len(members) < per_class:
            raise ValueError(f"class {c} has only {len(members)} candidates, need {per_class}")
        picked.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(picked))


def make_split(labels, is_test_split, queries_per_class=100, train_per_class=500, seed=0):
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    all_idx = np.arange(len(labels))
    query = _per_class(rng, all_idx[is_test_split], labels, queries_per_class)
    database = np.setdiff1d(all_idx, query)
    train = _per_class(rng, database, labels, train_per_class) if train_per_class else database.copy()
    return Split(query, database, train)


def training_indices(split, labels, is_test_split, train_set):
    """Training images for a named training set; none of them is ever a query.

    protocol: the sampled 500 per class; train-split: the dataset's whole train split;
    database: every database image.
    """
    if train_set == "protocol":
        idx = split.train
    elif train_set == "train-split":
        idx = np.setdiff1d(np.flatnonzero(~np.asarray(is_test_split)), split.query)
    elif train_set == "database":
        idx = split.database
    else:
        raise ValueError(f"unknown training set {train_set!r}")
    assert not np.isin(idx, split.query).any(), "query images must never be trained on"
    return idx
