import numpy as np

from vithash.data.protocol import make_split, training_indices


def _toy():
    labels = np.tile(np.arange(3), 40)  # 120 images, 3 classes
    is_test = np.arange(120) < 30
    return labels, is_test


def test_split_sizes_and_disjointness():
    labels, is_test = _toy()
    s = make_split(labels, is_test, queries_per_class=2, train_per_class=5, seed=1)
    assert len(s.query) == 6 and len(s.database) == 114 and len(s.train) == 15
    assert is_test[s.query].all()
    assert not np.isin(s.query, s.database).any()
    assert np.isin(s.train, s.database).all()
    assert np.bincount(labels[s.query]).tolist() == [2, 2, 2]
    assert np.bincount(labels[s.train]).tolist() == [5, 5, 5]


def test_split_is_reproducible_and_seed_dependent():
    labels, is_test = _toy()
    a, b = make_split(labels, is_test, 2, 5, seed=3), make_split(labels, is_test, 2, 5, seed=3)
    c = make_split(labels, is_test, 2, 5, seed=4)
    assert (a.query == b.query).all() and (a.train == b.train).all()
    assert not ((a.query == c.query).all() and (a.train == c.train).all())


def test_training_sets_exclude_queries():
    labels, is_test = _toy()
    s = make_split(labels, is_test, 2, 5)
    assert len(training_indices(s, labels, is_test, "train-split")) == 90
    assert len(training_indices(s, labels, is_test, "database")) == 114
