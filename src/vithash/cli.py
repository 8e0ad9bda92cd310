"""Command line: python3 -m vithash {pretrain,train,evaluate-all,report,diagnose,export,push} ..."""
import argparse
import json
import os
import sys

from vithash.config import ModelConfig, TrainConfig

DEFAULT_WORK = "work-tmp"  # git-ignored: checkpoints and models of individual runs


def _value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _key_values(pairs):
    out = {}
    for p in pairs or []:
        k, _, v = p.partition("=")
        out[k] = _value(v)
    return out


def _add_common(p):
    p.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "cifar10"])
    p.add_argument("--data-root", default=None, help="dataset folder (default: the Debian package's)")
    p.add_argument("--images", metavar="DIR", help="your images: an ImageFolder DIR/<class>/<file>, or with "
                                                   "DIR/train, DIR/val, DIR/database, DIR/query split folders")
    p.add_argument("--list", action="extend", nargs="+", metavar="[SPLIT=]FILE",
                   help="DeepHash-pytorch list file(s): 'relpath l1 ... lC' per line (multi-hot); one FILE, or "
                        "query=FILE database=FILE [train=FILE]")
    p.add_argument("--root", help="folder the list files' paths are relative to (default: the list's folder)")
    p.add_argument("--query-fraction", type=float, default=0.1,
                   help="without split folders or lists: the share of each class drawn as queries")
    p.add_argument("--train-per-class", type=int, default=0,
                   help="your images: train on this many database images per class (0: all)")
    p.add_argument("--preprocess", action="extend", nargs="+", metavar="PRESET|KEY=VALUE",
                   help="your images: torchvision | timm | photo, then e.g. interpolation=bicubic resize_size=288 "
                        "colour_mode=grey mean=[0.5,0.5,0.5] (default: the weights' own preprocessing)")
    p.add_argument("--image-size", type=int, help="your images: the model's input size (default 224 for "
                                                  "pretrained ViTs, 64 for the small ViT)")
    p.add_argument("--workers", type=int, default=None,
                   help="DataLoader processes decoding images (default: 2 for your images, 0 in memory)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                   help="auto: cuda when a GPU is usable, else cpu; mixed precision on cuda")
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--threads", type=int, default=TrainConfig.threads)
    p.add_argument("--seed", type=int, default=TrainConfig.seed,
                   help="training seed: initial weights, batch order, augmentation (not the protocol split)")
    p.add_argument("--model", action="extend", nargs="+", metavar="KEY=VALUE",
                   help="backbone setting, e.g. width=128 depth=6 patch=4 stem_convs=0, or arch=vit_b16 "
                        "weights=FILE (vit_s16, vit_b16, vit_b32, vit_l16; torchvision or timm state dict)")
    p.add_argument("--set", action="extend", nargs="+", metavar="KEY=VALUE",
                   help="method hyperparameter, e.g. margin=0.3 (evaluate-all: METHOD.KEY=VALUE, e.g. "
                        "asymmetric.net_cls_weight=0)")
    p.add_argument("--work-dir", default=DEFAULT_WORK)


def _configs(args, pool):
    """Model and training configuration; for your images also the preprocessing (set on the pool). Every check
    that can fail (weights file, architecture, sizes) runs here, before training starts."""
    from vithash.config import build_backbone

    model_cfg = ModelConfig()
    for k, v in _key_values(args.model).items():
        if k in ("arch", "weights"):
            setattr(model_cfg, k, v)
        elif not hasattr(model_cfg.vit, k):
            known = ", ".join(["arch", "weights", *model_cfg.vit.to_dict()])
            raise SystemExit(f"--model {k}=...: unknown setting; known: {known}")
        else:
            setattr(model_cfg.vit, k, v)
    if getattr(pool, "files", None) is not None:
        pool.preprocessing = choose_preprocessing(args, model_cfg)
    prep = pool.preprocessing
    model_cfg.vit.image_size, model_cfg.vit.channels = prep.height, prep.channels
    try:
        build_backbone(model_cfg)
    except ValueError as e:
        raise SystemExit(f"model: {e}") from None
    train_cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, threads=args.threads,
                            seed=args.seed)
    return model_cfg, train_cfg


def choose_preprocessing(args, model_cfg):
    """Your images' preprocessing: a preset (by default the one the pretrained weights were trained with), at
    --image-size, then KEY=VALUE overrides."""
    from dataclasses import replace

    from vithash.data.preprocessing import Preprocessing
    from vithash.models.pretrained import is_pretrained, weights_file_format

    items = args.preprocess or []
    presets = [p for p in items if "=" not in p]
    pretrained = is_pretrained(model_cfg.arch)
    if presets:
        preset = presets[-1]
    elif pretrained:
        try:
            preset = weights_file_format(model_cfg.weights)
        except ValueError as e:
            raise SystemExit(f"model: {e}") from None
    else:
        preset = "photo"
    makers = {"torchvision": Preprocessing.torchvision_vit, "timm": Preprocessing.timm_vit,
              "photo": Preprocessing.torchvision_vit}
    if preset not in makers:
        raise SystemExit(f"--preprocess {preset}: unknown preset; known: {sorted(makers)}")
    prep = makers[preset]().with_size(args.image_size or (224 if pretrained else 64))
    overrides = _key_values([p for p in items if "=" in p])
    try:
        for key in ("mean", "std"):
            if key in overrides:
                overrides[key] = tuple(overrides[key])
        if overrides.get("colour_mode") == "grey":
            overrides.setdefault("mean", (0.5,))
            overrides.setdefault("std", (0.5,))
        prep = replace(prep, **overrides)
    except (TypeError, ValueError) as e:
        raise SystemExit(f"--preprocess: {e}") from None
    if pretrained and prep.channels != 3:
        raise SystemExit("--preprocess: pretrained ViTs take colour_mode=rgb")
    return prep


def resolve_device(name):
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no usable CUDA device (torch.cuda.is_available() is False)")
    return name


def _load(args):
    from vithash.data.datasets import load_pool
    from vithash.data.folders import DataError, scan_folder, scan_lists
    from vithash.data.protocol import make_split

    try:
        if args.images and args.list:
            raise DataError("give --images or --list, not both")
        workers = 2 if args.workers is None else args.workers
        if args.images:
            pool = scan_folder(args.images, args.split_seed, args.query_fraction, args.train_per_class, workers)
        elif args.list:
            lists = dict(("all", v) if "=" not in v else v.split("=", 1) for v in args.list)
            root = args.root or os.path.dirname(os.path.abspath(next(iter(lists.values()))))
            pool = scan_lists(lists, root, args.split_seed, args.query_fraction, args.train_per_class, workers)
        else:
            pool = load_pool(args.dataset, args.data_root)
            return pool, make_split(pool.labels, pool.is_test_split, seed=args.split_seed)
    except DataError as e:
        raise SystemExit(f"data: {e}") from None
    print(f"{pool.name}: {len(pool.files)} images, {pool.num_classes} classes"
          f"{' (multi-label)' if pool.multi_label else ''}; {pool.source}; {len(pool.split.query)} queries, "
          f"{len(pool.split.database)} database, {len(pool.split.train)} training; "
          f"{len(pool.skipped)} unreadable files skipped")
    return pool, pool.split


def _runtime(args, pool):
    workers = args.workers if args.workers is not None else (2 if getattr(pool, "files", None) else 0)
    return {"workers": workers, "device": resolve_device(args.device)}


def cmd_train(args):
    from vithash.experiment import run_experiment

    pool, split = _load(args)
    model_cfg, train_cfg = _configs(args, pool)
    name = args.name or (f"{pool.name}-" if getattr(pool, "files", None) else "") + \
        f"{args.method}-{args.bits}-{args.train_set}"
    result = run_experiment(pool, split, args.method, args.bits, model_cfg, train_cfg, args.train_set,
                            _key_values(args.set), os.path.join(args.work_dir, name), init_from=args.init_from,
                            holdout=args.holdout, **_runtime(args, pool))
    print(json.dumps({k: result[k] for k in ("map_all", "map_1000", "map_all_tie_aware", "train_seconds")}))


def cmd_pretrain(args):
    from vithash.pretraining.run import run_pretraining

    pool, split = _load(args)
    model_cfg, train_cfg = _configs(args, pool)
    name = args.name or f"pretrain-mae-{args.train_set}-{args.epochs}ep-seed{args.seed}"
    try:
        result = run_pretraining(pool, split, model_cfg, train_cfg, args.train_set, _key_values(args.mae),
                                 os.path.join(args.work_dir, name), **_runtime(args, pool))
    except ValueError as e:
        raise SystemExit(str(e)) from None
    print(json.dumps({k: result[k] for k in ("train_seconds", "images_per_second", "final_loss")} |
                     {"knn_before": result["knn"]["accuracy_before"], "knn_after": result["knn"]["accuracy_after"],
                      "backbone": os.path.join(args.work_dir, name, "backbone.pt")}))


def cmd_evaluate_all(args):
    from vithash.evaluation.table import evaluate_all

    pool, split = _load(args)
    model_cfg, train_cfg = _configs(args, pool)
    evaluate_all(pool, split, args.methods, args.bits, model_cfg, train_cfg, args.results, args.work_dir,
                 fresh=args.fresh, hyper_by_method=_key_values(args.set), seeds=args.seeds,
                 init_from=args.init_from, report_path=args.report, **_runtime(args, pool))


def cmd_report(args):
    from vithash.evaluation.report import write_report

    write_report(args.results, args.output)


def cmd_diagnose(args):
    from vithash.evaluation.diagnose import diagnose_run

    pool, split = _load(args)
    runs = [diagnose_run(c, pool, split, threads=args.threads, **_runtime(args, pool)) for c in args.checkpoints]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(runs, f, indent=1)
    for r in runs:
        print(f"{r['method']} {r['bits']} seed {r['seed']}: mAP@all {r['map_all']:.4f}; training queries vs training "
              f"{r['map_seen_vs_training']:.4f}, vs unseen database: seen {r['map_seen_queries']:.4f}, unseen "
              f"{r['map_unseen_queries']:.4f}")


def cmd_export(args):
    from vithash.export.package import export_package

    export_package(args.checkpoint, args.out, args.model_id, args.golden, args.dataset, args.data_root,
                   args.split_seed)


def build_parser():
    parser = argparse.ArgumentParser(prog="python3 -m vithash", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train and evaluate one method at one code length")
    _add_common(p)
    p.add_argument("--method", required=True)
    p.add_argument("--bits", type=int, default=64)
    p.add_argument("--train-set", default="protocol", choices=["protocol", "train-split", "database"],
                   help="protocol: 500/class sampled from the database; train-split: all 60,000 training-split "
                        "images; database: all 69,000 database images (queries are never trained on)")
    p.add_argument("--name", help="run folder name under --work-dir")
    p.add_argument("--init-from", help="backbone.pt of `pretrain`, or model.pt of an earlier run: its backbone "
                                       "(strictly); its head only from the same method and bits")
    p.add_argument("--holdout", type=int, default=0,
                   help="keep N training images out and log their mAP@all against the rest after every epoch "
                        "(a learning curve, in result.json as learning_curve)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("pretrain", help="MAE-style masked image modelling of the backbone on unlabelled images")
    _add_common(p)
    p.set_defaults(epochs=20, batch_size=256, lr=1.5e-3)
    p.add_argument("--train-set", default="database", choices=["database", "train-split"],
                   help="database: the 69,000 database images (transductive: the images to be indexed, never "
                        "the queries; labels are not read); train-split: the 60,000 training-split images only")
    p.add_argument("--mae", action="extend", nargs="+", metavar="KEY=VALUE",
                   help="mask_ratio=0.75 decoder_width=64 decoder_depth=1 decoder_heads=4 norm_pix=true")
    p.add_argument("--name", help="run folder name under --work-dir")
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser("evaluate-all", help="every method x code length; resumable; writes docs/RESULTS.md")
    _add_common(p)
    p.add_argument("--methods", nargs="+", default=["lsh", "single_loss", "asymmetric", "csq", "greedyhash", "dpsh"])
    p.add_argument("--bits", nargs="+", type=int, default=[16, 32, 64])
    p.add_argument("--results", default="docs/results")
    p.add_argument("--fresh", action="store_true", help="rerun even when a cached result exists")
    p.add_argument("--seeds", nargs="+", type=int, default=None,
                   help="training seeds, each a run of its own (default: --seed); seed s > 0 is cached as "
                        "<method>-<bits>-seed<s>.json")
    p.add_argument("--init-from", help="backbone.pt of `pretrain`: the start of every trained method")
    p.add_argument("--report", default="docs/RESULTS.md", help="the report rewritten after every run")
    p.set_defaults(func=cmd_evaluate_all)

    p = sub.add_parser("report", help="rewrite docs/RESULTS.md and the plot from the cached results")
    p.add_argument("--results", default="docs/results")
    p.add_argument("--output", default="docs/RESULTS.md")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("diagnose", help="where trained runs lose mAP: AP per class, seen vs unseen queries")
    _add_common(p)
    p.add_argument("--out", required=True, help="JSON file (docs/results/diagnosis/<name>.json: the report shows it)")
    p.add_argument("checkpoints", nargs="+", help="model.pt of runs on this dataset's protocol split")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("export", help="ONNX + model.json + golden vectors from a trained run")
    p.add_argument("--checkpoint", required=True, help="model.pt of a run")
    p.add_argument("--out", default="models/default")
    p.add_argument("--model-id", default=None)
    p.add_argument("--golden", type=int, default=32, help="number of golden images")
    p.add_argument("--dataset", default="fashion-mnist", choices=["fashion-mnist", "cifar10"])
    p.add_argument("--data-root", default=None)
    p.add_argument("--split-seed", type=int, default=0)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("push", help="upload an exported model to a cluster (SHA-256 computed here, sent in parts)")
    p.add_argument("--url", required=True, help="e.g. https://localhost:9200")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    p.add_argument("--model-id", required=True, help="the id in the cluster (letters, digits, '.', '_', '-')")
    p.add_argument("--replace", action="store_true", help="delete the model of that id first (needs --force)")
    p.add_argument("--force", action="store_true", help="confirm --replace, even while pipelines or fields use it")
    p.add_argument("model_dir", help="a folder with model.onnx and model.json (python3 -m vithash export)")
    p.set_defaults(func=cmd_push)
    return parser


def cmd_push(args):
    from vithash.push import main as push_main

    return push_main(args)


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
