"""Probe (not project code): DPSH with a BatchNorm head and other hyperparameters, 6 epochs at 64 bits."""
import sys, json; sys.path.insert(0, "src")
import torch
from vithash.methods.dpsh import DPSH
from vithash.methods.registry import register
from vithash.data.datasets import load_fashion_mnist
from vithash.data.protocol import make_split
from vithash.config import ModelConfig, TrainConfig
from vithash.experiment import run_experiment

@register("dpsh_bnhead")
class DPSHBN(DPSH):
    head_batch_norm = True

hyper = json.loads(sys.argv[1])
pool = load_fashion_mnist(); split = make_split(pool.labels, pool.is_test_split)
tag = "-".join(f"{k}{v}" for k, v in hyper.items())
r = run_experiment(pool, split, "dpsh_bnhead", 64, ModelConfig(), TrainConfig(epochs=6, threads=1), hyper=hyper,
                   work_dir=f"/tmp/pt/work/probe-bn-{tag}")
print(json.dumps({k: r[k] for k in ("map_all", "map_1000", "train_seconds", "final_loss_terms")}))
