"""One (method, bits) run on a protocol split: train, encode queries and database, measure, save.

Used by both `vithash train` and `vithash evaluate-all`, so the table and single runs share every step.
Every method goes through the same hooks (fit, encode, extra_results, save); nothing here depends on which.
"""
import dataclasses
import json
import os
import time

import numpy as np
import torch

from vithash.config import ModelConfig, TrainConfig, build_method
from vithash.data.protocol import training_indices
from vithash.evaluation.encode import encode_outputs, to_codes
from vithash.evaluation.metrics import mean_average_precision, retrieval_report
from vithash.methods.base import FitSetup
from vithash.training.loop import fingerprint


def _last(history):
    return (history or [None])[-1]


def _holdout_probe(pool, holdout_idx, rest_idx, mean, std, threads, workers, device):
    """mAP@all of the held-out training images as queries against the rest of the training set, both encoded by
    the network as it stands: a learning curve that never looks at the protocol's queries."""
    def probe(network):
        q = to_codes(encode_outputs(network, pool.image_set(holdout_idx), mean, std, threads=threads,
                                    workers=workers, device=device))
        d = to_codes(encode_outputs(network, pool.image_set(rest_idx), mean, std, threads=threads,
                                    workers=workers, device=device))
        return {"holdout_map_all": float(mean_average_precision(q, pool.labels[holdout_idx], d,
                                                                pool.labels[rest_idx]))}
    return probe


def split_holdout(train_idx, size, seed=0):
    """(rest, holdout): `size` training images (a seeded draw, the same for every method and training seed)
    kept out of training for the learning curve."""
    held = np.zeros(len(train_idx), bool)
    held[np.random.default_rng(seed).choice(len(train_idx), size, replace=False)] = True
    return train_idx[~held], train_idx[held]


def run_experiment(pool, split, method_name, bits, model_cfg: ModelConfig, train_cfg: TrainConfig,
                   train_set="protocol", hyper=None, work_dir=None, log=print, init_from=None, workers=0,
                   device="cpu", holdout=0):
    """Returns the result dict (also written to work_dir/result.json with the model at work_dir/model.pt).

    pool: an in-memory ImagePool or an image-file pool (vithash.data.folders); images reach the method as
    image sets (vithash.data.images), decoded batch by batch. holdout > 0 trains on all but that many of the
    training images and records the held-out mAP after every epoch (result["learning_curve"])."""
    labels = torch.from_numpy(pool.labels)
    train_idx = training_indices(split, pool.labels, pool.is_test_split, train_set)
    holdout_idx = None
    if holdout:
        train_idx, holdout_idx = split_holdout(train_idx, holdout)
    method = build_method(method_name, bits, pool.num_classes, labels[train_idx], hyper)
    train_cfg = dataclasses.replace(train_cfg, **method.recipe)
    config = {"dataset": pool.name, "method": method_name, "bits": bits, "train_set": train_set,
              "train_size": int(len(train_idx)), "model": model_cfg.to_dict(), "train": train_cfg.to_dict(),
              "hyper": method.h, "queries": int(len(split.query)), "database": int(len(split.database)),
              **pool.describe()}
    if init_from:  # warm start: a pretrained backbone, or fine-tuning another run's weights further
        start = torch.load(init_from, map_location="cpu")
        config["init_from"] = {"path": init_from, "key": start["result"]["key"],
                               "kind": start["config"].get("kind", "run")}
    if holdout:
        config["holdout"] = {"size": int(holdout), "seed": 0}
    key = fingerprint(config)
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
    log(f"== {method_name} {bits} bits on {len(train_idx)} images ({train_set}), key {key}")
    pool.record(work_dir, log)

    setup = FitSetup(model_cfg, train_cfg, pool.mean, pool.std, run_key=key, init_from=init_from, log=log,
                     checkpoint=os.path.join(work_dir, "checkpoint.pt") if work_dir else None, workers=workers,
                     device=device, epoch_probe=_holdout_probe(pool, holdout_idx, train_idx, pool.mean, pool.std,
                                                               train_cfg.threads, workers, device)
                     if holdout else None)
    history = method.fit(pool.image_set(train_idx), labels[train_idx], setup)
    encode_start = time.perf_counter()
    q_codes = to_codes(method.encode(pool.image_set(split.query)))
    db_codes = to_codes(method.encode(pool.image_set(split.database)))
    encode_seconds = time.perf_counter() - encode_start

    ql, dl = pool.labels[split.query], pool.labels[split.database]
    result = {**config, "key": key, **retrieval_report(q_codes, ql, db_codes, dl),
              "train_seconds": round(history["train_seconds"], 1), "epochs": history["epochs"],
              "encode_seconds": round(encode_seconds, 1), "final_loss": _last(history["loss_history"]),
              "final_loss_terms": _last(history["loss_terms_history"]), "bit_balance": float(db_codes.mean()),
              "loss_history": history["loss_history"],
              **({"learning_curve": history.get("probe_history", [])} if holdout else {}),
              **method.extra_results(q_codes, ql, db_codes, split.database, train_idx)}
    log(f"   mAP@all {result['map_all']:.4f}  mAP@1000 {result['map_1000']:.4f}  "
        f"tie-aware {result['map_all_tie_aware']:.4f}  train {result['train_seconds']}s")
    if work_dir:
        method.save(os.path.join(work_dir, "model.pt"), config, result)
        with open(os.path.join(work_dir, "result.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result
