import itertools

import numpy as np
import pytest

from vithash.evaluation.metrics import (average_precision, hamming_distances, mean_average_precision,
                                        precision_at, retrieval_report, tie_aware_average_precision,
                                        tie_aware_map)


def codes(*rows):
    return np.array([[c == "1" for c in r] for r in rows])


def test_hamming_distances():
    assert hamming_distances(codes("0000", "1111"), codes("0000", "0011", "1110")).tolist() == [[0, 2, 3], [4, 2, 1]]


def test_average_precision_by_hand():
    # relevant at ranks 1, 3: (1/1 + 2/3) / 2
    assert average_precision(np.array([1, 0, 1, 0], bool)) == pytest.approx((1 + 2 / 3) / 2)
    # top-2 only sees rank 1 -> 1/1 / 1
    assert average_precision(np.array([1, 0, 1, 0], bool), top=2) == pytest.approx(1.0)
    assert average_precision(np.array([0, 0, 0], bool)) == 0.0


def test_map_breaks_ties_by_database_index():
    q = codes("00")
    db = codes("11", "11")  # both at distance 2: the order must be db index 0, then 1
    assert mean_average_precision(q, np.array([1]), db, np.array([0, 1])) == pytest.approx(0.5)
    assert mean_average_precision(q, np.array([1]), db, np.array([1, 0])) == pytest.approx(1.0)


def test_map_hand_computed_two_queries():
    db = codes("000", "001", "011", "111")
    db_labels = np.array([0, 1, 0, 1])
    q = codes("000", "111")
    # q0 ranking: 0(rel) 1 2(rel) 3 -> (1 + 2/3)/2;  q1 ranking: 3(rel) 2 1(rel) 0 -> (1 + 2/3)/2
    expected = (1 + 2 / 3) / 2
    assert mean_average_precision(q, np.array([0, 1]), db, db_labels) == pytest.approx(expected)
    assert mean_average_precision(q, np.array([0, 1]), db, db_labels, top=1) == pytest.approx(1.0)
    assert precision_at(q, np.array([0, 1]), db, db_labels, [1, 2, 4]) == pytest.approx({1: 1.0, 2: 0.5, 4: 0.5})


def _brute_force_tie_aware(dist, rel):
    # average AP over every order consistent with the distances
    groups = [np.flatnonzero(dist == d) for d in np.unique(dist)]
    aps = []
    for perms in itertools.product(*[itertools.permutations(g) for g in groups]):
        order = np.concatenate([np.array(p) for p in perms])
        aps.append(average_precision(rel[order]))
    return np.mean(aps)


@pytest.mark.parametrize("seed", range(6))
def test_tie_aware_equals_average_over_tie_orders(seed):
    rng = np.random.default_rng(seed)
    dist = rng.integers(0, 3, 7)
    rel = rng.random(7) < 0.5
    rel[0] = True
    assert tie_aware_average_precision(dist, rel) == pytest.approx(_brute_force_tie_aware(dist, rel))


def test_tie_aware_without_ties_equals_map():
    db = codes("000", "001", "011", "111")
    q, ql, dl = codes("000"), np.array([0]), np.array([0, 1, 0, 1])
    assert tie_aware_map(q, ql, db, dl) == pytest.approx(mean_average_precision(q, ql, db, dl))


def test_report_matches_single_metrics():
    rng = np.random.default_rng(0)
    q, db = rng.random((5, 8)) < 0.5, rng.random((40, 8)) < 0.5
    ql, dl = rng.integers(0, 3, 5), rng.integers(0, 3, 40)
    r = retrieval_report(q, ql, db, dl, ks=(1, 10))
    assert r["map_all"] == pytest.approx(mean_average_precision(q, ql, db, dl))
    assert r["map_1000"] == pytest.approx(mean_average_precision(q, ql, db, dl, top=1000))
    assert r["map_all_tie_aware"] == pytest.approx(tie_aware_map(q, ql, db, dl))
    assert r["precision_at"] == pytest.approx(precision_at(q, ql, db, dl, [1, 10]))


def test_multi_label_relevance_is_sharing_any_label_by_hand():
    # database labels over 3 classes (multi-hot); the query has labels {0, 2}
    db_labels = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0], [1, 1, 1]], np.uint8)
    q_label = np.array([[1, 0, 1]], np.uint8)
    db = codes("000", "001", "011", "111", "110")  # distances from 000: 0, 1, 2, 3, 2
    q = codes("000")
    # ranking 0 1 2 4 3 -> relevant? 0:yes 1:no 2:yes 4:yes 3:no -> AP = (1/1 + 2/3 + 3/4) / 3
    assert mean_average_precision(q, q_label, db, db_labels) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    # AP@2 sees ranks 1-2: one relevant -> 1/1
    assert mean_average_precision(q, q_label, db, db_labels, top=2) == pytest.approx(1.0)
    assert precision_at(q, q_label, db, db_labels, [1, 2, 3, 4, 5]) == pytest.approx(
        {1: 1.0, 2: 0.5, 3: 2 / 3, 4: 3 / 4, 5: 3 / 5})
    # ties: items 2 and 4 are both at distance 2 and both relevant; tie-aware AP equals the plain AP here
    r = retrieval_report(q, q_label, db, db_labels, ks=(1, 5))
    assert r["map_all"] == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    assert r["map_all_tie_aware"] == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    assert r["precision_at"] == pytest.approx({1: 1.0, 5: 0.6})


def test_multi_hot_one_label_per_row_gives_the_single_label_numbers():
    rng = np.random.default_rng(1)
    q, db = rng.random((7, 8)) < 0.5, rng.random((300, 8)) < 0.5
    ql, dl = rng.integers(0, 4, 7), rng.integers(0, 4, 300)
    single = retrieval_report(q, ql, db, dl, ks=(1, 10, 100))
    multi = retrieval_report(q, np.eye(4, dtype=np.uint8)[ql], db, np.eye(4, dtype=np.uint8)[dl], ks=(1, 10, 100))
    assert multi.pop("precision_at") == pytest.approx(single.pop("precision_at"))
    assert multi == pytest.approx(single)
    # and with more queries than one distance chunk
    q2, ql2 = rng.random((600, 8)) < 0.5, rng.integers(0, 4, 600)
    assert mean_average_precision(q2, ql2, db, dl) == pytest.approx(
        np.mean([mean_average_precision(q2[i:i + 1], ql2[i:i + 1], db, dl) for i in range(600)]))


def test_report_cells_show_mean_and_sample_std_over_seeds_and_say_when_a_difference_is_noise():
    from vithash.evaluation.report import compare, format_cell

    assert format_cell([0.5]) == "0.500"
    assert format_cell([0.80, 0.82, 0.84]) == "0.820 ± 0.020 (3)"
    assert compare([0.80, 0.82, 0.84], [0.81, 0.83, 0.82])[1] == "within noise"
    assert compare([0.90, 0.91, 0.90], [0.80, 0.81, 0.80])[1] == "beyond 2 standard errors"
    assert compare([0.9], [0.8])[1].startswith("one seed")


def test_report_adds_a_table_per_results_subfolder_and_the_pretraining_runs(tmp_path):
    import json

    from vithash.evaluation.report import write_report

    def run(method, bits, seed, value, **extra):
        return {"method": method, "bits": bits, "map_all": value, "map_1000": value, "map_all_tie_aware": value,
                "train": {"seed": seed}, "epochs": 30, "train_seconds": 1.0, "dataset": "toy", "queries": 10,
                "database": 90, "train_size": 50, "precision_at": {"1": value}, **extra}

    (tmp_path / "pretrained-30ep").mkdir()
    (tmp_path / "pretrain").mkdir()
    json.dump(run("lsh", 16, 0, 0.3), open(tmp_path / "lsh-16.json", "w"))
    start = {"init_from": {"path": "work-tmp/pre/backbone.pt", "key": "k", "kind": "pretrain"}}
    for seed, v in ((0, 0.80), (1, 0.82)):
        json.dump(run("csq", 64, seed, v, **start), open(tmp_path / "pretrained-30ep" / f"csq-64-seed{seed}.json", "w"))
    for seed, v in ((0, 0.85), (1, 0.86)):
        json.dump(run("single_loss", 64, seed, v, **start),
                  open(tmp_path / "pretrained-30ep" / f"single_loss-64-seed{seed}.json", "w"))
    json.dump(run("asymmetric", 64, 0, 0.83, **start), open(tmp_path / "pretrained-30ep" / "asymmetric-64.json", "w"))
    variant = tmp_path / "ablations" / "single_loss-codebook-O-pretrained-30ep"
    variant.mkdir(parents=True)
    for seed, v in ((0, 0.88), (1, 0.89)):
        json.dump(run("single_loss", 64, seed, v, **start), open(variant / f"single_loss-64-seed{seed}.json", "w"))
    json.dump({"train_size": 69000, "train_set": "database", "epochs": 20, "train_seconds": 1500.0,
               "images_per_second": 920.0, "final_loss": 0.5, "knn": {"accuracy_before": 0.68, "accuracy_after": 0.8}},
              open(tmp_path / "pretrain" / "mae.json", "w"))
    write_report(str(tmp_path), str(tmp_path / "R.md"))
    text = (tmp_path / "R.md").read_text()
    assert "## mAP@all: `pretrained-30ep/` (30 epochs, from `pre`)" in text
    assert "| csq | 0.810 ± 0.014 (2) |" in text
    # each source method against the best baseline of the folder, with the noise verdict and the +0.03 target
    assert "### Source methods vs the best baseline, `pretrained-30ep/`" in text
    assert "| 64 | single_loss (2) | csq (2) | +0.045 | beyond 2 standard errors | met |" in text
    assert "| 64 | asymmetric (1) | csq (2) | +0.020 | one seed: noise unknown | missed |" in text
    # an ablation against the same folder's default run and best baseline
    assert "## Ablations against the default and the best baseline (mAP@all)" in text
    assert ("| single_loss | codebook=O | `pretrained-30ep/` | 64 | 0.885 ± 0.007 (2) | +0.030, beyond 2 standard "
            "errors | csq (2): +0.075, beyond 2 standard errors | met |") in text
    assert "| mae | 69,000 (database) | 20 | 1500 | 920 | 0.5000 | 0.6800 | 0.8000 | as pretraining left" in text
