"""One (method, bits) run on a protocol split: train, encode queries and database, measure, save.

Used by both `vithash train` and `vithash evaluate-all`, so the table and single runs share every step.
"""
import dataclasses
import json
import os
import time

import numpy as np
import torch

from vithash.config import ModelConfig, TrainConfig, build_method, build_model
from vithash.data.protocol import training_indices
from vithash.evaluation.encode import encode_outputs, to_codes
from vithash.evaluation.metrics import retrieval_report
from vithash.data.normalise import normalise
from vithash.training.loop import fingerprint, train


def _pixels(images_u8):
    return images_u8.reshape(len(images_u8), -1).float() / 255.0


def run_experiment(pool, split, method_name, bits, model_cfg: ModelConfig, train_cfg: TrainConfig,
                   train_set="protocol", hyper=None, work_dir=None, log=print, init_from=None):
    """Returns the result dict (also written to work_dir/result.json with the model at work_dir/model.pt)."""
    images = torch.from_numpy(pool.images)
    labels = torch.from_numpy(pool.labels)
    train_idx = training_indices(split, pool.labels, pool.is_test_split, train_set)
    method = build_method(method_name, bits, pool.num_classes, labels[train_idx], hyper)
    train_cfg = dataclasses.replace(train_cfg, **method.recipe)
    config = {"dataset": pool.name, "method": method_name, "bits": bits, "train_set": train_set,
              "train_size": int(len(train_idx)), "model": model_cfg.to_dict(), "train": train_cfg.to_dict(),
              "hyper": method.h, "queries": int(len(split.query)), "database": int(len(split.database))}
    if init_from:  # warm start (fine-tuning): the run's epochs continue from another run's weights
        config["init_from"] = {"path": init_from, "key": torch.load(init_from, map_location="cpu")["result"]["key"]}
    key = fingerprint(config)
    if work_dir:
        os.makedirs(work_dir, exist_ok=True)
    log(f"== {method_name} {bits} bits on {len(train_idx)} images ({train_set}), key {key}")

    started = time.perf_counter()
    if method.trains_network:
        model = build_model(model_cfg, bits, method_name)
        if init_from:
            model.load_state_dict(torch.load(init_from, map_location="cpu")["model"])
        x = normalise(images[train_idx], pool.mean, pool.std)
        ckpt = os.path.join(work_dir, "checkpoint.pt") if work_dir else None
        history = train(model, method, x, labels[train_idx], train_cfg, ckpt, key, log)
        encode_start = time.perf_counter()
        q_out = encode_outputs(model, images[split.query], pool.mean, pool.std)
        db_out = encode_outputs(model, images[split.database], pool.mean, pool.std)
        encode_seconds = time.perf_counter() - encode_start
    else:  # LSH: fit on the training images' pixels, no network
        model = None
        method.fit(_pixels(images[train_idx]))
        history = {"train_seconds": time.perf_counter() - started, "epochs": 0, "loss_history": []}
        encode_start = time.perf_counter()
        q_out = method.encode(_pixels(images[split.query])).numpy()
        db_out = method.encode(_pixels(images[split.database])).numpy()
        encode_seconds = time.perf_counter() - encode_start

    q_codes, db_codes = to_codes(q_out), to_codes(db_out)
    ql, dl = pool.labels[split.query], pool.labels[split.database]
    result = {**config, "key": key, **retrieval_report(q_codes, ql, db_codes, dl),
              "train_seconds": round(history["train_seconds"], 1), "epochs": history["epochs"],
              "encode_seconds": round(encode_seconds, 1), "final_loss": (history["loss_history"] or [None])[-1],
              "bit_balance": float(db_codes.mean())}
    if method_name == "asymmetric":
        # Secondary number: queries ranked against the learned codes B of the training images (ADSHT's own
        # evaluation, restricted to the part of the database that has learned codes).
        learned = method.codes.numpy() > 0
        result["learned_codes_train_only"] = {k: v for k, v in retrieval_report(
            q_codes, ql, learned, pool.labels[train_idx], ks=(100, 1000)).items() if k != "precision_at"}
        network_train = db_codes[np.searchsorted(split.database, train_idx)]
        result["network_codes_train_only"] = {k: v for k, v in retrieval_report(
            q_codes, ql, network_train, pool.labels[train_idx], ks=(100, 1000)).items() if k != "precision_at"}
    log(f"   mAP@all {result['map_all']:.4f}  mAP@1000 {result['map_1000']:.4f}  "
        f"tie-aware {result['map_all_tie_aware']:.4f}  train {result['train_seconds']}s")
    if work_dir:
        if model is not None:
            torch.save({"config": config, "model": model.state_dict(), "result": result},
                       os.path.join(work_dir, "model.pt"))
        with open(os.path.join(work_dir, "result.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result
