import numpy as np

from vithash.data.cifar import RECORD_BYTES, TEST_FILES, TRAIN_FILES, load_cifar10, read_cifar10_batch


def _write_batch(path, images, labels):
    records = np.concatenate([labels.astype(np.uint8)[:, None], images.reshape(len(labels), -1)], axis=1)
    records.astype(np.uint8).tofile(path)


def test_reads_channel_planes_in_order(tmp_path):
    img = np.zeros((1, 3, 32, 32), np.uint8)
    img[0, 0, 0, 0] = 200  # red, top-left
    img[0, 2, 31, 31] = 100  # blue, bottom-right
    _write_batch(tmp_path / "b.bin", img, np.array([6]))
    assert (tmp_path / "b.bin").stat().st_size == RECORD_BYTES
    x, y = read_cifar10_batch(tmp_path / "b.bin")
    assert x.shape == (1, 3, 32, 32) and y.tolist() == [6]
    assert x[0, 0, 0, 0] == 200 and x[0, 2, 31, 31] == 100 and x.sum() == 300


def test_loads_train_and_test_folders(tmp_path):
    rng = np.random.default_rng(0)
    for i, name in enumerate(TRAIN_FILES + TEST_FILES):
        _write_batch(tmp_path / name, rng.integers(0, 256, (4, 3, 32, 32)), np.full(4, i))
    (tx, ty), (vx, vy) = load_cifar10(tmp_path)
    assert tx.shape == (20, 3, 32, 32) and vx.shape == (4, 3, 32, 32)
    assert ty.tolist() == [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 and vy.tolist() == [5] * 4
