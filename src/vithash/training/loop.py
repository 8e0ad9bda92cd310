"""The training loop shared by all methods; resumable from a per-epoch checkpoint."""
import hashlib
import json
import os
import time

import torch

from vithash.config import TrainConfig, build_optimizer, build_scheduler
from vithash.data.augment import random_shift_flip
from vithash.data.images import loader
from vithash.data.normalise import normalise


def fingerprint(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _batches(indices, batch_size):
    # Drop the ragged last batch (BatchNorm needs > 1 sample, and the schedule needs a fixed step count).
    if len(indices) <= batch_size:
        return [indices]
    usable = len(indices) // batch_size * batch_size
    return list(indices[:usable].view(-1, batch_size))


def train(model, method, images, labels, cfg: TrainConfig, checkpoint_path=None, run_key=None, log=print,
          mean=(0.0,), std=(1.0,), workers=0, device="cpu", epoch_probe=None):
    """images: the training set (ArrayImages or FileImages, uint8 [C, H, W] each); labels [n] or multi-hot [n, C].
    Batches are decoded (by `workers` processes for files), normalised with mean/std and augmented one at a time;
    on CUDA the forward pass runs in mixed precision (float16 autocast, scaled gradients).

    With checkpoint_path, state is saved after every epoch and a rerun with the same run_key resumes from the
    last finished epoch. Returns {"train_seconds", "epochs", "loss_history", "loss_terms_history", "probe_history"}:
    per epoch, the mean over batches of the loss and of each of its terms, and what epoch_probe(model) returned
    after it (e.g. mAP on held-out images: a learning curve; its time is not counted in train_seconds).
    """
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    generator = torch.Generator().manual_seed(cfg.seed)
    model.to(device)
    method.to(device)
    labels = labels.to(device)
    cuda = torch.device(device).type == "cuda"
    scaler = torch.cuda.amp.GradScaler(enabled=cuda)
    steps_per_epoch = len(_batches(torch.arange(method.epoch_size()), cfg.batch_size))
    optimizer = build_optimizer(list(model.parameters()) + list(method.parameters()), cfg)
    scheduler = build_scheduler(optimizer, cfg, cfg.epochs * steps_per_epoch)
    state = {"epoch": 0, "train_seconds": 0.0, "loss_history": [], "loss_terms_history": [], "probe_history": []}

    if checkpoint_path and os.path.exists(checkpoint_path):
        ckpt = torch.load(checkpoint_path, map_location="cpu")
        if ckpt.get("run_key") == run_key:
            model.load_state_dict(ckpt["model"])
            method.load_state_dict(ckpt["method"])
            optimizer.load_state_dict(ckpt["optimizer"])
            scheduler.load_state_dict(ckpt["scheduler"])
            generator.set_state(ckpt["generator"])
            if "scaler" in ckpt:
                scaler.load_state_dict(ckpt["scaler"])
            state = {"loss_terms_history": [], "probe_history": [], **ckpt["state"]}  # older checkpoints
            log(f"resumed from epoch {state['epoch']} ({checkpoint_path})")

    for epoch in range(state["epoch"], cfg.epochs):
        start = time.perf_counter()
        model.train()
        sums, count = {}, 0
        batches = _batches(method.epoch_indices(epoch, generator).cpu(), cfg.batch_size)
        for batch, images_u8 in zip(batches, loader(images, batches, workers)):
            xb = random_shift_flip(normalise(images_u8, mean, std), cfg.max_shift, cfg.flip, generator).to(device)
            batch = batch.to(device)
            with torch.autocast(torch.device(device).type, enabled=cuda):
                out = model(xb)
            terms = method.loss(out.float(), labels[batch], batch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(terms["loss"]).backward()
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            count += 1
        method.after_epoch(epoch)
        means = {k: v / count for k, v in sums.items()}  # _batches always yields at least one batch
        loss = means.pop("loss")
        state["epoch"] = epoch + 1
        seconds = time.perf_counter() - start
        state["train_seconds"] += seconds
        state["loss_history"].append(loss)
        state["loss_terms_history"].append(means)
        terms_text = " + ".join(f"{k} {v:.4f}" for k, v in means.items())
        probe = ""
        if epoch_probe:
            state["probe_history"].append(epoch_probe(model))
            probe = " " + " ".join(f"{k} {v:.4f}" for k, v in state["probe_history"][-1].items())
        log(f"epoch {epoch + 1}/{cfg.epochs} loss {loss:.4f} = {terms_text} "
            f"({seconds:.1f}s, lr {scheduler.get_last_lr()[0]:.2e}){probe}")
        if checkpoint_path:
            tmp = checkpoint_path + ".tmp"
            torch.save({"run_key": run_key, "model": model.state_dict(), "method": method.state_dict(),
                        "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                        "generator": generator.get_state(), "scaler": scaler.state_dict(), "state": state}, tmp)
            os.replace(tmp, checkpoint_path)  # atomic: a kill mid-save leaves the previous epoch intact
    return {"train_seconds": state["train_seconds"], "epochs": state["epoch"],
            "loss_history": state["loss_history"], "loss_terms_history": state["loss_terms_history"],
            "probe_history": state["probe_history"]}
