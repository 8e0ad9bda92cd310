"""Labelled image sets as plain arrays: uint8 images [N, C, H, W] and int64 labels [N].

The test split comes first in `images` so that protocol indices into the pool are stable:
pool = test split (10,000 for Fashion-MNIST) followed by the train split (60,000).
"""
import os
from dataclasses import dataclass

import numpy as np

from vithash.data.cifar import load_cifar10
from vithash.data.idx import read_idx
from vithash.data.images import ArrayImages
from vithash.data.preprocessing import Preprocessing

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"  # from the Debian package dataset-fashion-mnist
FASHION_MNIST_CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat",
                         "sandal", "shirt", "sneaker", "bag", "ankle boot"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclass
class ImagePool:
    name: str
    images: np.ndarray  # uint8 [N, C, H, W]
    labels: np.ndarray  # int64 [N]
    is_test_split: np.ndarray  # bool [N]: True for images of the dataset's own test split
    class_names: list
    mean: tuple  # per channel, in [0, 1] pixel units
    std: tuple

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def colour_mode(self):
        return "grey" if self.images.shape[1] == 1 else "rgb"

    def image_set(self, indices):
        return ArrayImages(self.images[np.asarray(indices)])

    def record(self, work_dir, log=print):
        """Files a run keeps about its data: none (the dataset and the protocol split fix everything)."""

    def describe(self):
        """What the run's config records about the data beyond its name (nothing: the dataset fixes it)."""
        return {}

    @property
    def preprocessing(self):
        """Arrays of one native size: stretch (a no-op at that size), bilinear, the pool's mean/std."""
        return Preprocessing.stretch(self.images.shape[2], self.colour_mode, self.mean, self.std)


def _pool(name, train, test, classes, mean, std):
    (tx, ty), (vx, vy) = train, test
    return ImagePool(name, np.concatenate([vx, tx]), np.concatenate([vy, ty]).astype(np.int64),
                     np.concatenate([np.ones(len(vy), bool), np.zeros(len(ty), bool)]), classes, mean, std)


def load_fashion_mnist(root=FASHION_MNIST_DIR):
    def split(prefix):
        x = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))[:, None]
        return x, read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))

    # Mean/std of the Fashion-MNIST training split, the usual constants.
    return _pool("fashion-mnist", split("train"), split("t10k"), FASHION_MNIST_CLASSES, (0.2860,), (0.3530,))


def load_cifar10_pool(root):
    train, test = load_cifar10(root)
    return _pool("cifar10", train, test, CIFAR10_CLASSES, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))


def load_pool(name, root=None):
    if name == "fashion-mnist":
        return load_fashion_mnist(root or FASHION_MNIST_DIR)
    if name == "cifar10":
        if not root:
            raise ValueError("cifar10 needs --data-root pointing at cifar-10-batches-bin")
        return load_cifar10_pool(root)
    raise ValueError(f"unknown dataset {name!r}")
