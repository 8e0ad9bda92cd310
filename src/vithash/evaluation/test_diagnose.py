"""`vithash diagnose` on a real (tiny) trained run: it must reproduce the run's mAP@all and split it by class."""
import json

import numpy as np
import pytest

from vithash.config import TrainConfig
from vithash.data.protocol import make_split
from vithash.evaluation.diagnose import diagnose_run, seen_queries
from vithash.evaluation.report import write_report
from vithash.experiment import run_experiment
from vithash.test_experiment import TINY, toy_pool


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    work = tmp_path_factory.mktemp("run")
    result = run_experiment(pool, split, "single_loss", 16, TINY, TrainConfig(epochs=2, batch_size=32, lr=3e-3),
                            work_dir=str(work), log=lambda *a: None)
    return pool, split, str(work / "model.pt"), result


def test_per_class_ap_averages_to_the_runs_map(trained):
    pool, split, checkpoint, result = trained
    d = diagnose_run(checkpoint, pool, split, per_class_seen=5)
    assert d["map_all"] == pytest.approx(result["map_all"], abs=1e-9)
    assert list(d["per_class_ap"]) == pool.class_names
    assert np.mean(list(d["per_class_ap"].values())) == pytest.approx(d["map_all"])  # equal queries per class
    assert d["seen_queries"] == 5 * pool.num_classes
    assert d["database_unseen"] == len(split.database) - len(split.train)
    assert 0 <= d["map_unseen_queries"] <= 1 and 0 <= d["map_seen_queries"] <= 1


def test_seen_queries_are_training_images_drawn_per_class_the_same_for_every_run(trained):
    pool, split, _, _ = trained
    seen = seen_queries(split, pool.labels, 3)
    assert np.isin(seen, split.train).all()
    assert np.bincount(pool.labels[seen]).tolist() == [3] * pool.num_classes
    assert (seen == seen_queries(split, pool.labels, 3)).all()


def test_a_run_from_another_split_is_refused(trained):
    pool, split, checkpoint, _ = trained
    other = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=1)
    with pytest.raises(ValueError, match="recomputed mAP@all"):
        diagnose_run(checkpoint, pool, other, per_class_seen=5)


def test_the_report_shows_a_column_per_run(trained, tmp_path):
    pool, split, checkpoint, result = trained
    results = tmp_path / "results"
    (results / "diagnosis").mkdir(parents=True)
    (results / "single_loss-16.json").write_text(json.dumps(result))
    d = diagnose_run(checkpoint, pool, split, per_class_seen=5)
    (results / "diagnosis" / "toy.json").write_text(json.dumps([d, d]))
    write_report(str(results), str(tmp_path / "RESULTS.md"))
    text = (tmp_path / "RESULTS.md").read_text()
    assert "## Where the mAP is lost: `diagnosis/toy.json`" in text
    assert f"| **mAP@all** | **{d['map_all']:.3f}** | **{d['map_all']:.3f}** |" in text
    assert "| | single_loss 16 (seed 0) | single_loss 16 (seed 0) |" in text


def test_a_setting_off_the_methods_default_is_named(tmp_path):
    pool = toy_pool()
    split = make_split(pool.labels, pool.is_test_split, queries_per_class=5, train_per_class=25, seed=0)
    run_experiment(pool, split, "single_loss", 16, TINY, TrainConfig(epochs=1, batch_size=32, lr=3e-3),
                   hyper={"codebook": "O"}, work_dir=str(tmp_path / "run"), log=lambda *a: None)
    d = diagnose_run(str(tmp_path / "run" / "model.pt"), pool, split, per_class_seen=5)
    assert d["changed"] == {"codebook": "O"}
