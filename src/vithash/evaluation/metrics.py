"""Retrieval metrics under Hamming ranking; relevant = sharing the query's label.

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


def _relevance_in_rank_order(dist_row, query_label, db_labels):
    order = np.argsort(dist_row, kind="stable")  # stable: equal distances stay in database-index order
    return db_labels[order] == query_label


def average_precision(relevant, top=None):
    """relevant: bool array in rank order."""
    rel = relevant[:top] if top else relevant
    hits = np.cumsum(rel)
    if len(hits) == 0 or hits[-1] == 0:
        return 0.0
    ranks = np.arange(1, len(rel) + 1)
    return float((hits[rel] / ranks[rel]).sum() / hits[-1])


def mean_average_precision(query_codes, query_labels, db_codes, db_labels, top=None):
    dist = hamming_distances(query_codes, db_codes)
    return float(np.mean([average_precision(_relevance_in_rank_order(dist[i], query_labels[i], db_labels), top)
                          for i in range(len(query_labels))]))


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
    dist = hamming_distances(query_codes, db_codes)
    return float(np.mean([tie_aware_average_precision(dist[i], db_labels == query_labels[i])
                          for i in range(len(query_labels))]))


def precision_at(query_codes, query_labels, db_codes, db_labels, ks):
    dist = hamming_distances(query_codes, db_codes)
    ks = [k for k in ks if k <= db_codes.shape[0]]
    prec = np.zeros(len(ks))
    for i in range(len(query_labels)):
        hits = np.cumsum(_relevance_in_rank_order(dist[i], query_labels[i], db_labels))
        prec += hits[np.array(ks) - 1] / np.array(ks)
    return {int(k): float(p / len(query_labels)) for k, p in zip(ks, prec)}


def retrieval_report(query_codes, query_labels, db_codes, db_labels, ks=(1, 10, 50, 100, 200, 500, 1000, 2000, 5000)):
    """All the numbers the results table needs, in one pass over the distance matrix."""
    dist = hamming_distances(query_codes, db_codes)
    ap_all, ap_1000, ap_tie = [], [], []
    ks = np.array([k for k in ks if k <= db_codes.shape[0]], dtype=np.int64)
    prec = np.zeros(len(ks))
    for i in range(len(query_labels)):
        rel = _relevance_in_rank_order(dist[i], query_labels[i], db_labels)
        ap_all.append(average_precision(rel))
        ap_1000.append(average_precision(rel, 1000))
        ap_tie.append(tie_aware_average_precision(dist[i], db_labels == query_labels[i]))
        prec += np.cumsum(rel)[ks - 1] / ks
    return {"map_all": float(np.mean(ap_all)), "map_1000": float(np.mean(ap_1000)),
            "map_all_tie_aware": float(np.mean(ap_tie)),
            "precision_at": {int(k): float(p / len(query_labels)) for k, p in zip(ks, prec)}}
