"""One (method, bits) run on a protocol split: train, encode queries and database, measure, save.

Used by both `vithash train` and `vithash evaluate-all`, so the table and single runs share every step.
Every method goes through the same hooks (fit, encode, extra_results, save); nothing here depends on which.
"""
import dataclasses
import json
import os
import time

import torch

from vithash.config import ModelConfig, TrainConfig, build_method
from vithash.data.protocol import training_indices
from vithash.evaluation.encode import to_codes
from vithash.evaluation.metrics import retrieval_report
from vithash.methods.base import FitSetup
from vithash.training.loop import fingerprint


def _last(history):
    return (history or [None])[-1]


def run_experiment(pool, split, method_name, bits, model_cfg: ModelConfig, train_cfg: TrainConfig,
                   train_set="protocol", hyper=None, work_dir=None, log=print, init_from=None, workers=0,
                   device="cpu"):
    """Returns the result dict (also written to work_dir/result.json with the model at work_dir/model.pt).

    pool: an in-memory ImagePool or an image-file pool (vithash.data.folders); images reach the method as
    image sets (vithash.data.images), decoded batch by batch."""
    labels = torch.from_numpy(pool.labels)
    train_idx = training_indices(split, pool.labels, pool.is_test_split, train_set)
    method = build_method(method_name, bits, pool.num_classes, labels[train_idx], hyper)
    train_cfg = dataclasses.replace(train_cfg, **method.recipe)
    config = {"dataset": pool.name, "method": method_name, "bits": bits, "train_set": train_set,
              "train_size": int(len(train_idx)), "model": model_cfg.to_dict(), "train": train_cfg.to_dict(),
              "hyper": method.h, "queries": int(len(split.query)), "database": int(len(split.database)),
              **pool.describe()}
    if init_from:  # warm start (fine-tuning): the run's epochs continue from another run's weights
        config["init_from"] = {"path": init_from, "key": torch.load(init_from, map_location="cpu")["result"]["key"]}
    key = fingerprint(config)
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
    log(f"== {method_name} {bits} bits on {len(train_idx)} images ({train_set}), key {key}")
    pool.record(work_dir, log)

    setup = FitSetup(model_cfg, train_cfg, pool.mean, pool.std, run_key=key, init_from=init_from, log=log,
                     checkpoint=os.path.join(work_dir, "checkpoint.pt") if work_dir else None, workers=workers,
                     device=device)
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
              **method.extra_results(q_codes, ql, db_codes, split.database, train_idx)}
    log(f"   mAP@all {result['map_all']:.4f}  mAP@1000 {result['map_1000']:.4f}  "
        f"tie-aware {result['map_all_tie_aware']:.4f}  train {result['train_seconds']}s")
    if work_dir:
        method.save(os.path.join(work_dir, "model.pt"), config, result)
        with open(os.path.join(work_dir, "result.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result
