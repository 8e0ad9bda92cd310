"""Smoke run of every method through the real CLI path on a few hundred synthetic-but-learnable images."""
import inspect
import json
import os

import numpy as np
import pytest

from vithash.config import ModelConfig, TrainConfig
from vithash.data.datasets import FASHION_MNIST_DIR, ImagePool, load_fashion_mnist
from vithash.data.protocol import make_split
from vithash.evaluation.report import write_report
from vithash.evaluation.table import evaluate_all
from vithash.experiment import run_experiment
from vithash.methods.registry import method_names
from vithash.models.vit import ViTConfig


def toy_pool(n_per_class=40, classes=4, seed=0):
    """Each class is a bright square in its own quadrant, plus noise: learnable in a couple of epochs."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), n_per_class)
    images = rng.integers(0, 60, (len(labels), 1, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        r, col = divmod(int(c), 2)
        images[i, 0, r * 14 + 3:r * 14 + 11, col * 14 + 3:col * 14 + 11] = 220
    is_test = np.zeros(len(labels), bool)
    is_test[np.arange(len(labels)) % n_per_class < 10] = True
    return ImagePool("toy", images, labels.astype(np.int64), is_test, [str(c) for c in range(classes)], (0.2,), (0.3,))


TINY = ModelConfig(vit=ViTConfig(stem_convs=2, patch=1, width=32, depth=1, heads=2, stem_width=8))


def test_every_method_runs_and_beats_chance(tmp_path):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    methods = method_names()
    assert {"single_loss", "asymmetric", "csq", "greedyhash", "dpsh", "lsh"} <= set(methods)
    evaluate_all(pool, split, methods, [16], TINY, TrainConfig(epochs=3, batch_size=32, lr=3e-3),
                 str(tmp_path / "results"), str(tmp_path / "work"), report_path=str(tmp_path / "RESULTS.md"),
                 hyper_by_method={"asymmetric.sample_size": 60}, log=lambda *a: None)
    for m in methods:
        r = json.load(open(tmp_path / "results" / f"{m}-16.json"))
        assert r["map_all"] > 0.3, (m, r["map_all"])  # chance is 0.25
        if r["epochs"]:  # the last epoch's mean loss terms add up to its mean loss
            assert sum(r["final_loss_terms"].values()) == pytest.approx(r["final_loss"], rel=1e-5), m
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| single_loss |" in text and (tmp_path / "results" / "map_vs_bits.png").exists()
    # A second call finds every result cached and trains nothing.
    evaluate_all(pool, split, methods, [16], TINY, TrainConfig(epochs=3, batch_size=32), str(tmp_path / "results"),
                 str(tmp_path / "work"), report_path=str(tmp_path / "RESULTS.md"),
                 log=lambda msg: pytest.fail(msg) if not msg.startswith("cached") else None)


def test_the_experiment_runs_every_method_through_the_same_hooks_and_never_names_one():
    source = inspect.getsource(inspect.getmodule(run_experiment))
    assert not [m for m in method_names() if m in source]


def test_training_resumes_from_checkpoint(tmp_path):
    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    logs = []
    run_experiment(pool, split, "single_loss", 8, TINY, TrainConfig(epochs=2, batch_size=16), work_dir=str(tmp_path),
                   log=logs.append)
    logs.clear()
    run_experiment(pool, split, "single_loss", 8, TINY, TrainConfig(epochs=2, batch_size=16), work_dir=str(tmp_path),
                   log=logs.append)
    assert any(m.startswith("resumed from epoch 2") for m in logs)
    assert not any(m.startswith("epoch ") for m in logs)


@pytest.mark.skipif(not os.path.exists(FASHION_MNIST_DIR), reason="dataset-fashion-mnist is not installed")
def test_every_method_on_a_few_hundred_real_fashion_mnist_images(tmp_path):
    full = load_fashion_mnist()
    keep = np.concatenate([np.arange(500), 10000 + np.arange(1500)])  # 500 test-split + 1,500 train-split images
    pool = ImagePool("fashion-mnist-subset", full.images[keep], full.labels[keep], full.is_test_split[keep],
                     full.class_names, full.mean, full.std)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=10, train_per_class=30, seed=0)
    results = {}
    for m in method_names():
        results[m] = run_experiment(pool, split, m, 32, TINY, TrainConfig(epochs=6, batch_size=50, lr=3e-3),
                                    log=lambda *a: None)["map_all"]
    assert results["lsh"] > 0.2  # chance is about 0.1
    for m in ("single_loss", "asymmetric", "csq", "greedyhash"):
        assert results[m] > 0.15, results  # learned something within seconds


def test_fine_tuning_starts_from_the_earlier_weights(tmp_path):
    import torch

    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    run_experiment(pool, split, "single_loss", 8, TINY, TrainConfig(epochs=2, batch_size=16),
                   work_dir=str(tmp_path / "a"), log=lambda *a: None)
    base = str(tmp_path / "a" / "model.pt")
    # Zero epochs of fine-tuning must reproduce the base model's codes exactly.
    r = run_experiment(pool, split, "single_loss", 8, TINY, TrainConfig(epochs=0, batch_size=16),
                       work_dir=str(tmp_path / "b"), log=lambda *a: None, init_from=base)
    assert r["init_from"]["key"] == torch.load(base)["result"]["key"]
    assert r["map_all"] == torch.load(base)["result"]["map_all"]


def test_evaluate_all_runs_every_seed_and_reports_mean_and_std(tmp_path):
    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    evaluate_all(pool, split, ["greedyhash"], [8], TINY, TrainConfig(epochs=1, batch_size=16),
                 str(tmp_path / "results"), str(tmp_path / "work"), report_path=str(tmp_path / "RESULTS.md"),
                 seeds=[0, 1], log=lambda *a: None)
    seeds = [json.load(open(tmp_path / "results" / name))["train"]["seed"]
             for name in ("greedyhash-8.json", "greedyhash-8-seed1.json")]
    assert seeds == [0, 1]
    assert "± " in (tmp_path / "RESULTS.md").read_text()


def test_evaluate_all_applies_method_scoped_settings_in_their_own_work_folder(tmp_path):
    pool = toy_pool(20)
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=10, seed=0)
    args = (pool, split, ["greedyhash"], [8], TINY, TrainConfig(epochs=1, batch_size=16))
    with pytest.raises(SystemExit, match=r"--set alpha=\.\.\.: name the method"):  # a bare key would be ignored
        evaluate_all(*args, str(tmp_path / "r0"), str(tmp_path / "work"), hyper_by_method={"alpha": 0.5})
    evaluate_all(*args, str(tmp_path / "r1"), str(tmp_path / "work"), hyper_by_method={"greedyhash.alpha": 0.5},
                 report_path=str(tmp_path / "R.md"), log=lambda *a: None)
    result = json.load(open(tmp_path / "r1" / "greedyhash-8.json"))
    assert result["hyper"]["alpha"] == 0.5
    assert os.listdir(tmp_path / "work") == ["table-greedyhash.alpha=0.5"]
