"""`vithash pretrain`: masked image modelling of the backbone on unlabelled images, through the shared training
loop (resumable per epoch), with a k-NN probe of the features before and after. Writes to work_dir:
  checkpoint.pt   the loop's per-epoch state (a rerun with the same settings resumes from it)
  backbone.pt     {"config", "backbone": state dict, "result"}: the --init-from start of any method and bit length
  pretrain.json   the result: cost (seconds, images/s), loss per epoch, k-NN accuracy before and after
"""
import json
import os

import numpy as np
import torch

from vithash.config import build_backbone
from vithash.data.images import in_order, loader
from vithash.data.normalise import normalise
from vithash.data.protocol import training_indices
from vithash.evaluation.knn import backbone_knn, probe_sets
from vithash.pretraining.mae import MaskedAutoencoder, ReconstructionObjective
from vithash.training.loop import fingerprint, train

MAE_DEFAULTS = {"mask_ratio": 0.75, "decoder_width": 64, "decoder_depth": 1, "decoder_heads": 4, "norm_pix": True}
IMAGE_SETS = {
    "database": "every database image (69,000 for Fashion-MNIST): transductive but label-free, the images the "
                "index will hold, never the queries",
    "train-split": "the dataset's training split only (60,000 for Fashion-MNIST), no test-split image",
}


@torch.no_grad()
def recalibrate_batchnorm(backbone, images, mean, std, batch_size=500, workers=0, device="cpu"):
    """Re-estimates the BatchNorm running statistics on unmasked images. Pretraining computed them on masked
    inputs (75% of the pixels set to 0), which are not what the backbone sees afterwards; the k-NN probe and an
    export use running statistics, fine-tuning replaces them within its first few hundred steps anyway."""
    norms = [m for m in backbone.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return 0
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over every batch below
    backbone.train()
    for batch in loader(images, in_order(len(images), batch_size), workers):
        backbone(normalise(batch, mean, std).to(device))
    for m, momentum in zip(norms, saved):
        m.momentum = momentum
    backbone.eval()
    return len(images)


def run_pretraining(pool, split, model_cfg, train_cfg, train_set="database", mae=None, work_dir=None, log=print,
                    workers=0, device="cpu", knn_k=20, probe_size=5000):
    if model_cfg.arch != "vit":
        raise ValueError("pretrain: only the small ViT (arch=vit) is pretrained here")
    mae = {**MAE_DEFAULTS, **(mae or {})}
    idx = training_indices(split, pool.labels, pool.is_test_split, train_set)  # asserts: no query among them
    config = {"kind": "pretrain", "objective": "mae", "dataset": pool.name, "train_set": train_set,
              "train_size": int(len(idx)), "model": model_cfg.to_dict(), "train": train_cfg.to_dict(), "mae": mae,
              **pool.describe()}
    key = fingerprint(config)
    os.makedirs(work_dir, exist_ok=True)
    log(f"== pretrain (MAE) on {len(idx)} images ({train_set}), key {key}")

    torch.manual_seed(train_cfg.seed)  # the initial weights depend on the seed only
    backbone = build_backbone(model_cfg)
    ref_idx, test_idx = probe_sets(split, probe_size)
    knn = lambda: backbone_knn(backbone, pool, ref_idx, test_idx, knn_k, train_cfg.threads, workers, device)
    knn_before = knn()
    log(f"k-NN accuracy of the initial features: {knn_before:.4f}")
    model = MaskedAutoencoder(backbone, mae["mask_ratio"], mae["decoder_width"], mae["decoder_depth"],
                              mae["decoder_heads"], mae["norm_pix"])
    history = train(model, ReconstructionObjective(len(idx)), pool.image_set(idx), torch.zeros(len(idx)),
                    train_cfg, os.path.join(work_dir, "checkpoint.pt"), key, log, pool.mean, pool.std, workers,
                    device)
    calibration = np.sort(np.random.default_rng(train_cfg.seed).choice(idx, min(len(idx), 10000), replace=False))
    recalibrated = recalibrate_batchnorm(backbone, pool.image_set(calibration), pool.mean, pool.std,
                                         workers=workers, device=device)
    knn_after = knn()
    log(f"k-NN accuracy after {history['epochs']} epochs: {knn_after:.4f}")
    seen = history["epochs"] * (len(idx) // train_cfg.batch_size) * train_cfg.batch_size
    result = {**config, "key": key, "epochs": history["epochs"], "train_seconds": round(history["train_seconds"], 1),
              "images_per_second": round(seen / max(history["train_seconds"], 1e-9), 1),
              "loss_history": history["loss_history"], "final_loss": history["loss_history"][-1] if
              history["loss_history"] else None, "device": device, "threads": train_cfg.threads,
              "knn": {"k": knn_k, "reference": "the protocol training images (labels read by the probe only)",
                      "reference_size": int(len(ref_idx)), "test_size": int(len(test_idx)),
                      "test": "other database images, a seeded draw", "accuracy_before": knn_before,
                      "accuracy_after": knn_after},
              "batchnorm_recalibrated_on": recalibrated}
    state = {k: v.cpu() for k, v in backbone.state_dict().items()}
    # Written atomically, the result first: a process waiting for backbone.pt then finds both.
    with open(os.path.join(work_dir, "pretrain.json.tmp"), "w") as f:
        json.dump(result, f, indent=1)
    os.replace(os.path.join(work_dir, "pretrain.json.tmp"), os.path.join(work_dir, "pretrain.json"))
    torch.save({"config": config, "backbone": state, "result": result}, os.path.join(work_dir, "backbone.pt.tmp"))
    os.replace(os.path.join(work_dir, "backbone.pt.tmp"), os.path.join(work_dir, "backbone.pt"))
    return result
