"""Pretrained ViTs from local state-dict files: a randomly initialised checkpoint saved in torchvision's and in
timm's key layout (timm's model written out below, as timm computes it) loads and reproduces its outputs. ViT-S/16
keeps the files small; the key mapping is the same for every width and depth, and ViT-B/16's table entry is checked
against torchvision's own builder."""
import pytest
import torch
from torch import nn
from torchvision.models import vit_b_16
from torchvision.models.vision_transformer import VisionTransformer

from vithash.config import ModelConfig, build_model
from vithash.models.pretrained import PretrainedViT, WeightsError, interpolate_pos_embedding


class TimmBlock(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(dim, dim * 3)
        self.attn.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, mlp)
        self.mlp.fc2 = nn.Linear(mlp, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.attn.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = ((q * (d // self.heads) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = x + self.attn.proj((attn @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.mlp.fc2(nn.functional.gelu(self.mlp.fc1(self.norm2(x))))


class TimmViT(nn.Module):
    """timm's VisionTransformer (class token, global_pool='token', no fc_norm), as in vit_base_patch16_224."""

    def __init__(self, image=224, patch=16, dim=768, depth=12, heads=12, mlp=3072, classes=1000):
        super().__init__()
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, patch, patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2 + 1, dim) * 0.02)
        self.blocks = nn.Sequential(*[TimmBlock(dim, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def features(self, x):
        x = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], 1) + self.pos_embed
        return self.norm(self.blocks(x))[:, 0]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("weights")
    tv = VisionTransformer(224, 16, 12, 6, 384, 1536).eval()  # ViT-S/16
    torch.save(tv.state_dict(), folder / "torchvision.pth")
    timm = TimmViT(dim=384, heads=6, mlp=1536).eval()
    torch.save({"model": timm.state_dict()}, folder / "timm.pth")  # wrapped, as some training scripts save
    return folder, tv, timm


def test_both_formats_reproduce_the_checkpoints_outputs(checkpoints):
    folder, tv, timm = checkpoints
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        loaded = PretrainedViT("vit_s16", str(folder / "torchvision.pth")).eval()
        assert loaded.weights_format == "torchvision"
        tv.heads = nn.Identity()
        torch.testing.assert_close(loaded(x), tv(x))
        loaded = PretrainedViT("vit_s16", str(folder / "timm.pth")).eval()
        assert loaded.weights_format == "timm"
        torch.testing.assert_close(loaded(x), timm.features(x), atol=1e-4, rtol=1e-4)


def test_other_image_sizes_interpolate_position_embeddings(checkpoints):
    folder, _, timm = checkpoints
    small = PretrainedViT("vit_s16", str(folder / "timm.pth"), image_size=64).eval()
    assert small.vit.encoder.pos_embedding.shape == (1, 17, 384)
    torch.testing.assert_close(small.vit.encoder.pos_embedding[:, 0], timm.pos_embed[:, 0])  # class token kept
    assert small(torch.randn(1, 3, 64, 64)).shape == (1, 384)
    pos = torch.randn(1, 1 + 4 * 4, 8)
    torch.testing.assert_close(interpolate_pos_embedding(pos, 4), pos)


def test_hash_model_from_a_pretrained_arch(checkpoints):
    folder, _, _ = checkpoints
    cfg = ModelConfig(arch="vit_s16", weights=str(folder / "torchvision.pth"))
    cfg.vit.image_size, cfg.vit.channels = 32, 3
    model = build_model(cfg, 16, "single_loss").eval()
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 16)
    # a trained run reloads without the weights file (its own state dict replaces them)
    cfg.weights = str(folder / "gone.pth")
    build_model(cfg, 16, "single_loss", load_weights=False).load_state_dict(model.state_dict())


def test_clear_errors_before_training(checkpoints, tmp_path):
    folder, _, _ = checkpoints
    with pytest.raises(WeightsError, match="does not exist .*nothing is ever downloaded"):
        PretrainedViT("vit_b16", str(tmp_path / "missing.pth"))
    with pytest.raises(WeightsError, match="needs --model weights=FILE"):
        PretrainedViT("vit_b16", "")
    with pytest.raises(WeightsError, match="do not fit vit_b16 .*shape"):
        PretrainedViT("vit_b16", str(folder / "torchvision.pth"))
    with pytest.raises(WeightsError, match="do not fit vit_b32 .timm format.*shape"):
        PretrainedViT("vit_b32", str(folder / "timm.pth"))
    cfg = ModelConfig(arch="vit_b16")
    cfg.vit.image_size = 224
    with pytest.raises(WeightsError, match="needs --model weights=FILE"):
        build_model(cfg, 16, "single_loss")
    with pytest.raises(WeightsError, match="image size 100 is not divisible by the patch size 16"):
        PretrainedViT("vit_s16", str(folder / "timm.pth"), image_size=100)
    torch.save({"a.weight": torch.zeros(2)}, tmp_path / "other.pth")
    with pytest.raises(WeightsError, match="neither a torchvision ViT"):
        PretrainedViT("vit_s16", str(tmp_path / "other.pth"))
    with pytest.raises(WeightsError, match="unknown pretrained arch"):
        PretrainedViT("vit_x99")


def test_vit_b16_is_torchvisions_vit_b_16():
    ours = PretrainedViT("vit_b16").vit.state_dict()
    theirs = {k: v for k, v in vit_b_16().state_dict().items() if not k.startswith("heads.")}
    assert {k: v.shape for k, v in ours.items()} == {k: v.shape for k, v in theirs.items()}
