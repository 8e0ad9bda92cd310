"""Where a trained run's mAP is lost: per-class AP on the protocol queries, and seen vs unseen query images.

On the 5,000-image protocol the codes are nearly class-collapsed, so mAP@all measures how often an image the network
never saw gets a code in its class's cluster. Two measurements tell whether methods differ in their hashing or share
one limit: the AP per class (do they all lose on the same confusable classes?), and the same network's mAP with
*training* images as queries against the protocol's unseen queries, both ranked against the database images that no
run trained on (the query side's generalisation), and the training queries against the other training images (what it
fitted): a large gap that every method shows is the generalisation limit of one backbone on 5,000 labelled images, not
a property of a hashing objective.
"""
import numpy as np

from vithash.evaluation.encode import encode_outputs, to_codes
from vithash.evaluation.metrics import average_precisions
from vithash.export.package import load_run
from vithash.methods.registry import get_method


def seen_queries(split, labels, per_class, seed=0):
    """`per_class` training images per class (a seeded draw, the same for every run): queries the network fitted."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.choice(split.train[labels[split.train] == c], per_class, replace=False)
                                   for c in np.unique(labels[split.train])]))


def diagnose_run(checkpoint, pool, split, threads=2, per_class_seen=100, workers=0, device="cpu"):
    """One run's per-class AP and seen/unseen mAP; checks that it reproduces the run's recorded mAP@all."""
    model, config, result = load_run(checkpoint)
    model.to(device)

    def codes(idx):
        return to_codes(encode_outputs(model, pool.image_set(idx), pool.mean, pool.std, threads=threads,
                                       workers=workers, device=device))

    labels = pool.labels
    q_codes, db_codes = codes(split.query), codes(split.database)
    ap = average_precisions(q_codes, labels[split.query], db_codes, labels[split.database])
    if abs(ap.mean() - result["map_all"]) > 1e-6:
        raise ValueError(f"{checkpoint}: recomputed mAP@all {ap.mean():.6f} != the run's {result['map_all']:.6f} "
                         "(another split, dataset or preprocessing?)")
    # against the database images no run trained on, so that a seen query's own copy and the fitted training
    # images do not lift the seen side
    unseen_db = ~np.isin(split.database, split.train)
    db_rest, db_rest_labels = db_codes[unseen_db], labels[split.database][unseen_db]
    seen = seen_queries(split, labels, per_class_seen)
    db_position = np.searchsorted(split.database, seen)
    seen_ap = average_precisions(db_codes[db_position], labels[seen], db_rest, db_rest_labels)
    unseen_ap = average_precisions(q_codes, labels[split.query], db_rest, db_rest_labels)
    # what the network fitted: the same seen queries against the other training images
    others = split.train[~np.isin(split.train, seen)]
    fitted_ap = average_precisions(db_codes[db_position], labels[seen], db_codes[np.searchsorted(split.database, others)],
                                   labels[others])
    query_labels = labels[split.query]
    return {
        "checkpoint": checkpoint, "method": config["method"], "bits": config["bits"],
        "seed": config["train"]["seed"], "run_key": result["key"],
        "changed": {k: v for k, v in config["hyper"].items() if get_method(config["method"]).hyper.get(k) != v},
        "map_all": float(ap.mean()),
        "per_class_ap": {pool.class_names[c]: float(ap[query_labels == c].mean()) for c in np.unique(query_labels)},
        "database_unseen": int(unseen_db.sum()),
        "seen_queries": int(len(seen)),
        "map_seen_queries": float(seen_ap.mean()),
        "map_unseen_queries": float(unseen_ap.mean()),
        "map_seen_vs_training": float(fitted_ap.mean()),
    }
