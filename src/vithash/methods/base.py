"""What a hashing method is: the hooks the experiment calls (fit, encode, save, extra_results) and, for
methods that train the network, the hooks the shared training loop calls (loss, epoch_indices, after_epoch)."""
from dataclasses import dataclass
from typing import Callable, Optional

import torch
from torch import nn

from vithash.config import ModelConfig, TrainConfig, build_model
from vithash.evaluation.encode import encode_outputs
from vithash.models.init_from import load_start
from vithash.training.loop import train


@dataclass
class FitSetup:
    """Everything fitting may use besides the training images and labels."""

    model: ModelConfig
    train: TrainConfig
    mean: tuple  # per-channel normalisation of the image pool
    std: tuple
    checkpoint: Optional[str] = None  # per-epoch checkpoint file; a rerun with the same run_key resumes from it
    run_key: Optional[str] = None
    init_from: Optional[str] = None  # model.pt of a run or backbone.pt of `vithash pretrain` to start from
    log: Callable = print
    workers: int = 0  # DataLoader worker processes decoding images (0: in the main process)
    device: str = "cpu"
    epoch_probe: Optional[Callable] = None  # probe(network) after every epoch -> dict kept per epoch (learning curve)


class HashMethod(nn.Module):
    """A method owns its state (codebooks, memories, learned database codes) as buffers and parameters, so
    checkpoints carry them, and knows how to fit itself and encode images."""

    name = "?"
    hyper = {}  # method hyperparameters, overridable from the CLI (--set key=value)
    recipe = {}  # TrainConfig fields this method overrides (e.g. a lower learning rate); recorded in results

    def __init__(self, bits, num_classes, train_labels, **hyper):
        super().__init__()
        self.bits, self.num_classes = bits, num_classes
        self.register_buffer("train_labels", torch.as_tensor(train_labels, dtype=torch.long))
        unknown = set(hyper) - set(self.hyper)
        if unknown:
            raise ValueError(f"{self.name}: unknown hyperparameters {sorted(unknown)}")
        self.h = {**self.hyper, **hyper}

    def fit(self, images, labels, setup: FitSetup):
        """Learns from the training images (vithash.data.images: ArrayImages or FileImages, uint8 [C, H, W] each)
        and their labels ([n] class indices or [n, C] multi-hot). Returns
        {"train_seconds", "epochs", "loss_history", "loss_terms_history", "probe_history"}, as the training loop
        does."""
        raise NotImplementedError

    def encode(self, images):
        """Raw outputs (numpy [n, K]) of fitted hashing for an image set; a code bit is 1 iff its output is > 0."""
        raise NotImplementedError

    def save(self, path, config, result):
        """Writes what deployment needs to path; a method with nothing to deploy writes nothing."""

    def extra_results(self, query_codes, query_labels, database_codes, database_index, train_index):
        """Numbers only this method has, added to the run's result (database_index, train_index: pool indices;
        train_index lies within database_index)."""
        return {}

    def summary(self):
        return {"method": self.name, **self.h}


@dataclass
class _Trained:
    network: nn.Module
    setup: FitSetup


class NetworkMethod(HashMethod):
    """A method that trains the network with its own loss in the shared training loop. The defaults suit a
    plain per-batch loss over shuffled training images."""

    head_batch_norm = False  # whether the hash head ends in BatchNorm1d

    def fit(self, images, labels, setup: FitSetup):
        torch.manual_seed(setup.train.seed)  # the initial weights (and the head of a warm start) follow the seed
        network = build_model(setup.model, self.bits, self.name)
        if setup.init_from:
            report = load_start(network, setup.init_from, self.name, self.bits, setup.model)
            setup.log(f"init from {setup.init_from}: backbone {report['backbone_tensors']} tensors (strict), "
                      f"head {report['head']}" + (f"; not used: {', '.join(report['skipped'])}"
                                                  if report["skipped"] else ""))
        history = train(network, self, images, labels, setup.train, setup.checkpoint, setup.run_key, setup.log,
                        setup.mean, setup.std, setup.workers, setup.device, setup.epoch_probe)
        # A plain holder, not a submodule: the loop checkpoints and optimises the network and the method side by
        # side, so the network must stay out of the method's own state_dict and parameters.
        self.trained = _Trained(network, setup)
        return history

    def encode(self, images):
        s = self.trained.setup
        per_image = images[0].numel() if len(images) else 1
        batch_size = max(64, min(1000, 2 ** 22 // per_image))  # 1,000 small images, fewer large ones
        return encode_outputs(self.trained.network, images, s.mean, s.std, batch_size=batch_size,
                              threads=s.train.threads, workers=s.workers, device=s.device)

    def save(self, path, config, result):
        state = {k: v.cpu() for k, v in self.trained.network.state_dict().items()}
        torch.save({"config": config, "model": state, "result": result}, path)

    def epoch_size(self):
        """How many training images one epoch visits."""
        return len(self.train_labels)

    def epoch_indices(self, epoch, generator):
        """Rows of the training set visited this epoch, in order."""
        return torch.randperm(len(self.train_labels), generator=generator)

    def loss(self, out, labels, index):
        """out: raw head outputs [B, K]; labels [B]; index [B] rows in the training set.
        Returns {"loss": total, <term>: value, ...} (see losses/terms.py)."""
        raise NotImplementedError

    def after_epoch(self, epoch):
        """Called after each epoch (e.g. the asymmetric method's database-code step)."""
