import torch

from vithash.data.augment import random_shift_flip


def test_no_shift_no_flip_is_identity():
    x = torch.randn(4, 1, 6, 6)
    assert torch.equal(random_shift_flip(x, max_shift=0, flip=False), x)


def test_shift_moves_content_and_keeps_shape():
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 4, 4] = 1.0
    y = random_shift_flip(x, max_shift=2, flip=False, generator=torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    assert torch.allclose(y.sum((1, 2, 3)), torch.ones(64))  # the dot moves but stays inside
    assert (y[:, 0, 4, 4] == 0).any()
