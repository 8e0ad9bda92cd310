import pytest
import torch

from vithash.models.hash_head import HashingModel
from vithash.models.vit import ViT, ViTConfig


@pytest.mark.parametrize("kw", [dict(stem_convs=0, patch=4), dict(stem_convs=3, patch=1), dict(stem_convs=2, patch=7 // 7)])
@pytest.mark.parametrize("bits", [8, 16, 64])
def test_vit_hash_model_shapes(kw, bits):
    model = HashingModel(ViT(ViTConfig(width=32, depth=1, heads=2, **kw)), bits, batch_norm=True).eval()
    assert model(torch.randn(3, 1, 28, 28)).shape == (3, bits)


def test_rgb_32px_vit():
    backbone = ViT(ViTConfig(image_size=32, channels=3, patch=4, stem_convs=0, width=32, depth=1, heads=2))
    assert HashingModel(backbone, 24, batch_norm=False)(torch.randn(2, 3, 32, 32)).shape == (2, 24)


def test_patch_must_divide_grid():
    with pytest.raises(ValueError):
        ViT(ViTConfig(patch=3, stem_convs=0))


