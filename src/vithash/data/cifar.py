"""Reader for the CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin).

Each record is 1 label byte followed by 3072 pixel bytes: 1024 red, 1024 green, 1024 blue (32x32, row-major).
"""
import os

import numpy as np

RECORD_BYTES = 1 + 3 * 32 * 32
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_FILES = ["test_batch.bin"]


def read_cifar10_batch(path):
    """Returns (images uint8 [N,3,32,32], labels int64 [N]) from one binary batch file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % RECORD_BYTES:
        raise ValueError(f"{path}: size {raw.size} is not a multiple of {RECORD_BYTES}")
    records = raw.reshape(-1, RECORD_BYTES)
    return records[:, 1:].reshape(-1, 3, 32, 32).copy(), records[:, 0].astype(np.int64)


def load_cifar10(root):
    """Returns ((train_x, train_y), (test_x, test_y)) from a `cifar-10-batches-bin` folder."""
    def load(names):
        parts = [read_cifar10_batch(os.path.join(root, n)) for n in names]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    return load(TRAIN_FILES), load(TEST_FILES)
