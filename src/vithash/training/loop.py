"""The training loop shared by all methods; resumable from a per-epoch checkpoint."""
import hashlib
import json
import os
import time

import torch

from vithash.config import TrainConfig, build_optimizer, build_scheduler
from vithash.data.augment import random_shift_flip


def fingerprint(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _batches(indices, batch_size):
    # Drop the ragged last batch (BatchNorm needs > 1 sample, and the schedule needs a fixed step count).
    if len(indices) <= batch_size:
        return [indices]
    usable = len(indices) // batch_size * batch_size
    return list(indices[:usable].view(-1, batch_size))


def train(model, method, x, labels, cfg: TrainConfig, checkpoint_path=None, run_key=None, log=print):
    """x: normalised float images [n, C, H, W] of the training set; labels [n].

    With checkpoint_path, state is saved after every epoch and a rerun with the same run_key resumes from the
    last finished epoch. Returns {"train_seconds", "epochs", "loss_history", "loss_terms_history"}: per epoch,
    the mean over batches of the loss and of each of its terms.
    """
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    steps_per_epoch = len(_batches(torch.arange(method.epoch_size()), cfg.batch_size))
    optimizer = build_optimizer(list(model.parameters()) + list(method.parameters()), cfg)
    scheduler = build_scheduler(optimizer, cfg, cfg.epochs * steps_per_epoch)
    state = {"epoch": 0, "train_seconds": 0.0, "loss_history": [], "loss_terms_history": []}

    if checkpoint_path and os.path.exists(checkpoint_path):
        ckpt = torch.load(checkpoint_path, map_location="cpu")
        if ckpt.get("run_key") == run_key:
            model.load_state_dict(ckpt["model"])
            method.load_state_dict(ckpt["method"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            generator.set_state(ckpt["generator"])
            state = {"loss_terms_history": [], **ckpt["state"]}  # checkpoints from before terms were logged
            log(f"resumed from epoch {state['epoch']} ({checkpoint_path})")

    for epoch in range(state["epoch"], cfg.epochs):
        start = time.perf_counter()
        model.train()
        sums, count = {}, 0
        for batch in _batches(method.epoch_indices(epoch, generator), cfg.batch_size):
            xb = random_shift_flip(x[batch], cfg.max_shift, cfg.flip, generator)
            terms = method.loss(model(xb), labels[batch], batch)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            scheduler.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            count += 1
        method.after_epoch(epoch)
        means = {k: v / count for k, v in sums.items()}  # _batches always yields at least one batch
        loss = means.pop("loss")
        state["epoch"] = epoch + 1
        state["train_seconds"] += time.perf_counter() - start
        state["loss_history"].append(loss)
        state["loss_terms_history"].append(means)
        terms_text = " + ".join(f"{k} {v:.4f}" for k, v in means.items())
        log(f"epoch {epoch + 1}/{cfg.epochs} loss {loss:.4f} = {terms_text} "
            f"({time.perf_counter() - start:.1f}s, lr {scheduler.get_last_lr()[0]:.2e})")
        if checkpoint_path:
            tmp = checkpoint_path + ".tmp"
            torch.save({"run_key": run_key, "model": model.state_dict(), "method": method.state_dict(),
                        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "generator": generator.get_state(), "state": state}, tmp)
            os.replace(tmp, checkpoint_path)  # atomic: a kill mid-save leaves the previous epoch intact
    return {"train_seconds": state["train_seconds"], "epochs": state["epoch"],
            "loss_history": state["loss_history"], "loss_terms_history": state["loss_terms_history"]}
