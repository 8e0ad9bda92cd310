"""Masking in pixel space, the pretraining run (resumable, k-NN probe) and its checkpoint as the start of any
method at any code length."""
import json

import pytest
import torch

from vithash.config import ModelConfig, TrainConfig, build_model
from vithash.data.protocol import make_split
from vithash.experiment import run_experiment
from vithash.models.init_from import load_start
from vithash.models.vit import ViT, ViTConfig
from vithash.pretraining.mae import MaskedAutoencoder, patchify, pixel_mask, random_token_mask
from vithash.pretraining.run import run_pretraining
from vithash.test_experiment import TINY, toy_pool

QUIET = dict(log=lambda *a: None)


def test_pixel_mask_covers_whole_patches_of_the_token_grid():
    token_mask = torch.zeros(1, 16, dtype=torch.bool)
    token_mask[0, 6] = True  # row 1, column 2 of the 4 x 4 grid: pixels 7..13 x 14..20 of a 28 px image
    m = pixel_mask(token_mask, 4, 28)[0, 0]
    expected = torch.zeros(28, 28, dtype=torch.bool)
    expected[7:14, 14:21] = True
    assert torch.equal(m, expected)
    every = pixel_mask(torch.ones(1, 16, dtype=torch.bool), 4, 28)
    assert every.all() and every.shape == (1, 1, 28, 28)


def test_random_token_mask_masks_the_same_share_of_every_image():
    mask = random_token_mask(50, 16, 0.75, torch.Generator().manual_seed(0))
    assert (mask.sum(1) == 12).all() and mask.float().mean(0).min() > 0  # every position gets masked sometimes


def test_masked_pixels_never_reach_the_encoder():
    """The conv stem's receptive field spans neighbouring patches, so masking happens before it: whatever the
    masked patches hold, the reconstruction (made from the visible part) is the same."""
    torch.manual_seed(0)
    mae = MaskedAutoencoder(ViT(ViTConfig(stem_convs=3, patch=1, width=32, depth=1, heads=2, stem_width=8))).eval()
    assert mae.grid == 4
    token_mask = random_token_mask(3, 16, 0.75, torch.Generator().manual_seed(1))
    x = torch.randn(3, 1, 28, 28)
    changed = torch.where(pixel_mask(token_mask, 4, 28), torch.randn_like(x), x)
    assert not torch.equal(x, changed)
    assert torch.allclose(mae.reconstruct(x, token_mask), mae.reconstruct(changed, token_mask), atol=1e-6)
    # ... and the visible pixels do matter
    assert not torch.allclose(mae.reconstruct(x, token_mask), mae.reconstruct(x + 1, token_mask))
    assert mae(x, token_mask).shape == (3, 1)


def test_patchify_tiles_the_image_row_by_row():
    x = torch.arange(28 * 28, dtype=torch.float32).view(1, 1, 28, 28)
    p = patchify(x, 4)
    assert p.shape == (1, 16, 49)
    assert torch.equal(p[0, 6].view(7, 7), x[0, 0, 7:14, 14:21])


def _pretrained(tmp_path, epochs=2, log=None):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    r = run_pretraining(pool, split, TINY, TrainConfig(epochs=epochs, batch_size=32), "database",
                        work_dir=str(tmp_path / "pre"), probe_size=40, log=log or (lambda *a: None))
    return pool, split, r


def test_pretrain_writes_a_backbone_its_cost_and_the_probe_and_resumes(tmp_path):
    pool, split, r = _pretrained(tmp_path)
    assert r["epochs"] == 2 and r["images_per_second"] > 0 and len(r["loss_history"]) == 2
    assert r["train_size"] == len(split.database)  # every database image, no query
    assert 0 <= r["knn"]["accuracy_before"] <= 1 and 0 <= r["knn"]["accuracy_after"] <= 1
    assert json.load(open(tmp_path / "pre" / "pretrain.json"))["key"] == r["key"]
    saved = torch.load(tmp_path / "pre" / "backbone.pt")
    assert set(saved["backbone"]) == set(ViT(TINY.vit).state_dict())
    logs = []
    _, _, again = _pretrained(tmp_path, epochs=3, log=logs.append)  # other settings: a run of its own
    assert again["epochs"] == 3 and not any("resumed" in m for m in logs)
    logs.clear()
    _pretrained(tmp_path, epochs=3, log=logs.append)  # same settings: nothing left to train
    assert any("resumed from epoch 3" in m for m in logs)


def test_train_split_pretraining_uses_no_test_split_image(tmp_path):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    r = run_pretraining(pool, split, TINY, TrainConfig(epochs=1, batch_size=32), "train-split",
                        work_dir=str(tmp_path / "pre"), probe_size=40, **QUIET)
    assert r["train_size"] == int((~pool.is_test_split).sum())


@pytest.mark.parametrize("method,bits", [("single_loss", 16), ("csq", 32), ("dpsh", 8), ("asymmetric", 24)])
def test_one_pretrained_backbone_starts_every_method_at_any_code_length(tmp_path, method, bits):
    _pretrained_dir = tmp_path / "pre" / "backbone.pt"
    pool, split, _ = _pretrained(tmp_path, epochs=1)
    network = build_model(TINY, bits, method)
    report = load_start(network, str(_pretrained_dir), method, bits, TINY)
    saved = torch.load(_pretrained_dir)["backbone"]
    assert all(torch.equal(network.backbone.state_dict()[k], v) for k, v in saved.items())
    assert report["head"] == "none in the file" and report["backbone_tensors"] == len(saved)
    r = run_experiment(pool, split, method, bits, TINY, TrainConfig(epochs=1, batch_size=16),
                       hyper={"sample_size": 60} if method == "asymmetric" else None,
                       init_from=str(_pretrained_dir), **QUIET)
    assert r["init_from"]["kind"] == "pretrain"


def test_a_run_of_another_method_or_length_gives_its_backbone_but_not_its_head(tmp_path):
    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    run_experiment(pool, split, "single_loss", 16, TINY, TrainConfig(epochs=1, batch_size=16),
                   work_dir=str(tmp_path / "a"), **QUIET)
    base = str(tmp_path / "a" / "model.pt")
    network = build_model(TINY, 32, "csq")
    report = load_start(network, base, "csq", 32, TINY)
    assert report["head"].startswith("skipped") and "head.fc.weight" in report["skipped"]
    same = build_model(TINY, 16, "single_loss")
    assert load_start(same, base, "single_loss", 16, TINY)["head"] == "loaded"


def test_a_backbone_of_another_shape_is_refused(tmp_path):
    _pretrained(tmp_path, epochs=1)
    wider = ModelConfig(vit=ViTConfig(stem_convs=2, patch=1, width=48, depth=1, heads=2, stem_width=8))
    with pytest.raises(ValueError, match="backbone"):
        load_start(build_model(wider, 16, "csq"), str(tmp_path / "pre" / "backbone.pt"), "csq", 16, wider)
    with pytest.raises(ValueError, match="does not fit"):  # without the config check: the strict load refuses
        load_start(build_model(wider, 16, "csq"), str(tmp_path / "pre" / "backbone.pt"), "csq", 16)


def test_the_holdout_learning_curve_is_recorded_per_epoch_and_held_out_images_are_not_trained_on(tmp_path):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    r = run_experiment(pool, split, "greedyhash", 16, TINY, TrainConfig(epochs=3, batch_size=16), holdout=20,
                       **QUIET)
    assert r["train_size"] == 100 - 20 and r["holdout"]["size"] == 20
    assert len(r["learning_curve"]) == 3 and all(0 <= p["holdout_map_all"] <= 1 for p in r["learning_curve"])


def test_an_export_of_a_pretrained_start_says_how_its_backbone_was_pretrained(tmp_path):
    from vithash.evaluation.encode import encode_outputs
    from vithash.export.package import export_model, load_run

    pool, split, _ = _pretrained(tmp_path, epochs=1)
    run_experiment(pool, split, "single_loss", 16, TINY, TrainConfig(epochs=1, batch_size=16),
                   work_dir=str(tmp_path / "run"), init_from=str(tmp_path / "pre" / "backbone.pt"), **QUIET)
    model, config, result = load_run(str(tmp_path / "run" / "model.pt"))
    idx = split.query[:4]
    outputs = encode_outputs(model, torch.from_numpy(pool.images[idx]), pool.mean, pool.std)
    manifest = export_model(model, config, result, str(tmp_path / "out"), "toy", pool.images[idx], outputs,
                            pool.labels[idx], idx, pool.class_names, pool.preprocessing)
    training = manifest["training"]
    assert training["warm_start"]["pretraining"] == {"objective": "mae", "train_set": "database",
                                                     "train_size": len(split.database)}
    assert "backbone pretrained first (mae, 1 epochs" in training["description"]


def test_batchnorm_statistics_are_re_estimated_on_unmasked_images():
    from vithash.data.images import ArrayImages
    from vithash.pretraining.run import recalibrate_batchnorm

    backbone = ViT(TINY.vit)
    images = ArrayImages(torch.full((40, 1, 28, 28), 200, dtype=torch.uint8))
    assert recalibrate_batchnorm(backbone, images, (0.2,), (0.3,), batch_size=16) == 40
    first_bn = next(m for m in backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
    conv = backbone.stem[0]
    x = (torch.full((1, 1, 28, 28), 200 / 255) - 0.2) / 0.3
    expected = conv(x).mean((0, 2, 3))  # constant images: the mean of the conv output over all positions
    assert torch.allclose(first_bn.running_mean, expected.detach(), atol=1e-4)
    assert not backbone.training and first_bn.momentum == 0.1
