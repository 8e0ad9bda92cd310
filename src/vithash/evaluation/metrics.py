"""Retrieval metrics under Hamming ranking; relevant = sharing the query's label.

Labels are either class indices [N] (relevant = same class) or multi-hot rows [N, C] (relevant = sharing at
least one label, the NUS-WIDE / DeepHash-pytorch convention); every metric below takes either.

Ranking: ascending Hamming distance, ties broken by database index (a stable sort), so every number is
deterministic. Because codes have few distinct distances, ties are common; `tie_aware_map` gives the
expected AP over all orderings within tied groups (He et al., "Hashing as tie-aware learning to rank",
CVPR 2018), which no tie-break can game.

AP@R (R = top R, R=None means all): sum over relevant ranks i <= R of precision@i, divided by the number of
relevant items within the top R (0 for a query with none, which still counts in the mean). This is the
definition used by DeepHash-pytorch and OrthoHash, so numbers are comparable.
"""
import numpy as np


def hamming_distances(query_codes, db_codes):
    """Boolean codes [Q, K], [N, K] -> int32 distances [Q, N]."""
    q = query_codes.astype(np.float32) * 2 - 1
    d = db_codes.astype(np.float32) * 2 - 1
    return np.rint((query_codes.shape[1] - q @ d.T) / 2).astype(np.int32)


def relevant(query_label, db_labels):
    """bool [N]: which database items are relevant to one query (same class, or any shared label)."""
    db_labels = np.asarray(db_labels)
    if db_labels.ndim == 1:
        return db_labels == query_label
    return (db_labels.astype(bool) & np.asarray(query_label, bool)[None]).any(axis=1)


def _distance_rows(query_codes, db_codes, chunk=256):
    """(i, distances of query i) for every query, computed a chunk of queries at a time: memory stays
    chunk x N whatever the number of queries."""
    for start in range(0, len(query_codes), chunk):
        dist = hamming_distances(query_codes[start:start + chunk], db_codes)
        for j, row in enumerate(dist):
            yield start + j, row


def _relevance_in_rank_order(dist_row, query_label, db_labels):
    order = np.argsort(dist_row, kind="stable")  # stable: equal distances stay in database-index order
    return relevant(query_label, db_labels)[order]


def average_precision(relevant, top=None):
    """relevant: bool array in rank order."""
    rel = relevant[:top] if top else relevant
    hits = np.cumsum(rel)
    if len(hits) == 0 or hits[-1] == 0:
        return 0.0
    ranks = np.arange(1, len(rel) + 1)
    return float((hits[rel] / ranks[rel]).sum() / hits[-1])


def average_precisions(query_codes, query_labels, db_codes, db_labels, top=None):
    """AP of every query, in query order (ties broken by database index)."""
    return np.array([average_precision(_relevance_in_rank_order(row, query_labels[i], db_labels), top)
                     for i, row in _distance_rows(query_codes, db_codes)])


def mean_average_precision(query_codes, query_labels, db_codes, db_labels, top=None):
    return float(np.mean(average_precisions(query_codes, query_labels, db_codes, db_labels, top)))


def tie_aware_average_precision(dist_row, relevant_mask):
    """Expected AP@all when items at equal distance are in uniformly random order.

    For a tie group of n items with r relevant, preceded by N items of which R relevant: a relevant item
    lands at each position t in N+1..N+n with probability 1/n, and the expected number of relevant items
    at or before t, given one sits at t, is R + 1 + (t-N-1)(r-1)/(n-1).
    """
    total_relevant = relevant_mask.sum()
    if total_relevant == 0:
        return 0.0
    max_d = int(dist_row.max())
    n_per = np.bincount(dist_row, minlength=max_d + 1)
    r_per = np.bincount(dist_row, weights=relevant_mask.astype(np.float64), minlength=max_d + 1)
    ap, before_n, before_r = 0.0, 0, 0.0
    for n, r in zip(n_per, r_per):
        if r > 0:
            t = np.arange(before_n + 1, before_n + n + 1, dtype=np.float64)
            slope = (r - 1) / (n - 1) if n > 1 else 0.0
            ap += (r / n) * ((before_r + 1 + (t - before_n - 1) * slope) / t).sum()
        before_n += n
        before_r += r
    return float(ap / total_relevant)


def tie_aware_map(query_codes, query_labels, db_codes, db_labels):
    return float(np.mean([tie_aware_average_precision(row, relevant(query_labels[i], db_labels))
                          for i, row in _distance_rows(query_codes, db_codes)]))


def precision_at(query_codes, query_labels, db_codes, db_labels, ks):
    ks = [k for k in ks if k <= db_codes.shape[0]]
    prec = np.zeros(len(ks))
    for i, row in _distance_rows(query_codes, db_codes):
        hits = np.cumsum(_relevance_in_rank_order(row, query_labels[i], db_labels))
        prec += hits[np.array(ks) - 1] / np.array(ks)
    return {int(k): float(p / len(query_labels)) for k, p in zip(ks, prec)}


def retrieval_report(query_codes, query_labels, db_codes, db_labels, ks=(1, 10, 50, 100, 200, 500, 1000, 2000, 5000)):
    """All the numbers the results table needs, in one pass over the distances (a chunk of queries at a time)."""
    ap_all, ap_1000, ap_tie = [], [], []
    ks = np.array([k for k in ks if k <= db_codes.shape[0]], dtype=np.int64)
    prec = np.zeros(len(ks))
    for i, row in _distance_rows(query_codes, db_codes):
        rel_mask = relevant(query_labels[i], db_labels)
        order = np.argsort(row, kind="stable")
        rel = rel_mask[order]
        ap_all.append(average_precision(rel))
        ap_1000.append(average_precision(rel, 1000))
        ap_tie.append(tie_aware_average_precision(row, rel_mask))
        prec += np.cumsum(rel)[ks - 1] / ks
    return {"map_all": float(np.mean(ap_all)), "map_1000": float(np.mean(ap_1000)),
            "map_all_tie_aware": float(np.mean(ap_tie)),
            "precision_at": {int(k): float(p / len(query_labels)) for k, p in zip(ks, prec)}}
