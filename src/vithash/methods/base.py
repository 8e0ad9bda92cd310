"""What the shared training loop needs from a method."""
import torch
from torch import nn


class HashMethod(nn.Module):
    """A method owns its loss, its own state (codebooks, memories, learned database codes) as buffers and
    parameters (so checkpoints carry them), and optional hooks around epochs. Defaults suit a method that
    is a plain per-batch loss over shuffled training images."""

    name = "?"
    head_batch_norm = False  # whether the hash head ends in BatchNorm1d
    trains_network = True  # False for data-independent baselines (LSH)
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

    def epoch_size(self):
        """How many training images one epoch visits."""
        return len(self.train_labels)

    def epoch_indices(self, epoch, generator):
        """Rows of the training set visited this epoch, in order."""
        return torch.randperm(len(self.train_labels), generator=generator)

    def loss(self, out, labels, index):
        """out: raw head outputs [B, K]; labels [B]; index [B] rows in the training set."""
        raise NotImplementedError

    def after_epoch(self, epoch):
        """Called after each epoch (e.g. the asymmetric method's database-code step)."""

    def summary(self):
        return {"method": self.name, **self.h}
