"""evaluate-all: every method x code length on one protocol split, resumable.

Each finished (method, bits) run is cached as docs/results/<method>-<bits>.json and skipped on the next
call, so a killed run loses at most the run in progress (and that one resumes from its last epoch
checkpoint under work-tmp/). The report is rewritten after every run, so the table is always current.
"""
import dataclasses
import json
import os

from vithash.evaluation.report import write_report
from vithash.experiment import run_experiment


def result_path(results_dir, method, bits, seed=0):
    return os.path.join(results_dir, f"{method}-{bits}" + (f"-seed{seed}" if seed else "") + ".json")


def evaluate_all(pool, split, methods, bits_list, model_cfg, train_cfg, results_dir, work_dir, fresh=False,
                 hyper_by_method=None, report_path="docs/RESULTS.md", log=print, workers=0, device="cpu",
                 seeds=None, init_from=None):
    os.makedirs(results_dir, exist_ok=True)
    unscoped = [k for k in hyper_by_method or {} if k.split(".", 1)[0] not in methods or "." not in k]
    if unscoped:
        raise SystemExit(f"--set {unscoped[0]}=...: name the method it is for, e.g. --set {methods[0]}.margin=0.3 "
                         f"(methods of this run: {', '.join(methods)})")
    tag = "pretrained" if init_from else "table"
    if hyper_by_method:  # runs with changed hyperparameters keep their checkpoints apart from the default runs'
        tag += "-" + "-".join(f"{k}={v}" for k, v in sorted(hyper_by_method.items()))
    # Shortest codes first across methods would leave the headline 64-bit row for last; run 64 bits first
    # (every seed of it), and within a code length every method's first seed before any method's second.
    for bits in sorted(bits_list, reverse=True):
        for seed in seeds or [train_cfg.seed]:
            for method in methods:
                path = result_path(results_dir, method, bits, seed)
                if os.path.exists(path) and not fresh:
                    log(f"cached: {path}")
                    continue
                hyper = {k.split(".", 1)[1]: v for k, v in (hyper_by_method or {}).items()
                         if k.startswith(method + ".")}
                result = run_experiment(pool, split, method, bits, model_cfg,
                                        dataclasses.replace(train_cfg, seed=seed), "protocol", hyper,
                                        os.path.join(work_dir, tag, os.path.basename(path)[:-5]), log,
                                        init_from=init_from if method != "lsh" else None, workers=workers,
                                        device=device)
                with open(path + ".tmp", "w") as f:
                    json.dump(result, f, indent=1)
                os.replace(path + ".tmp", path)
                write_report(results_dir, report_path)
