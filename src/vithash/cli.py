"""Command line: python3 -m vithash {train,evaluate-all,report,export} ..."""
import argparse
import json
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
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    p.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    p.add_argument("--lr", type=float, default=TrainConfig.lr)
    p.add_argument("--threads", type=int, default=TrainConfig.threads)
    p.add_argument("--model", action="append", metavar="KEY=VALUE",
                   help="backbone setting, e.g. width=128 depth=6 patch=4 stem_convs=0 arch=torchvision_vit_b16")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="method hyperparameter, e.g. margin=0.3")
    p.add_argument("--work-dir", default=DEFAULT_WORK)


def _configs(args, pool):
    model_cfg = ModelConfig()
    for k, v in _key_values(args.model).items():
        if k in ("arch", "weights"):
            setattr(model_cfg, k, v)
        else:
            setattr(model_cfg.vit, k, v)
    model_cfg.vit.image_size = pool.images.shape[2]
    model_cfg.vit.channels = pool.images.shape[1]
    train_cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, threads=args.threads)
    return model_cfg, train_cfg


def _load(args):
    from vithash.data.datasets import load_pool
    from vithash.data.protocol import make_split

    pool = load_pool(args.dataset, args.data_root)
    return pool, make_split(pool.labels, pool.is_test_split, seed=args.split_seed)


def cmd_train(args):
    import os

    from vithash.experiment import run_experiment

    pool, split = _load(args)
    model_cfg, train_cfg = _configs(args, pool)
    name = args.name or f"{args.method}-{args.bits}-{args.train_set}"
    result = run_experiment(pool, split, args.method, args.bits, model_cfg, train_cfg, args.train_set,
                            _key_values(args.set), os.path.join(args.work_dir, name), init_from=args.init_from)
    print(json.dumps({k: result[k] for k in ("map_all", "map_1000", "map_all_tie_aware", "train_seconds")}))


def cmd_evaluate_all(args):
    from vithash.evaluation.table import evaluate_all

    pool, split = _load(args)
    model_cfg, train_cfg = _configs(args, pool)
    evaluate_all(pool, split, args.methods, args.bits, model_cfg, train_cfg, args.results, args.work_dir,
                 fresh=args.fresh, hyper_by_method=_key_values(args.set))


def cmd_report(args):
    from vithash.evaluation.report import write_report

    write_report(args.results, args.output)


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
    p.add_argument("--init-from", help="model.pt of an earlier run to start from (fine-tuning)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate-all", help="every method x code length; resumable; writes docs/RESULTS.md")
    _add_common(p)
    p.add_argument("--methods", nargs="+", default=["lsh", "single_loss", "asymmetric", "csq", "greedyhash", "dpsh"])
    p.add_argument("--bits", nargs="+", type=int, default=[16, 32, 64])
    p.add_argument("--results", default="docs/results")
    p.add_argument("--fresh", action="store_true", help="rerun even when a cached result exists")
    p.set_defaults(func=cmd_evaluate_all)

    p = sub.add_parser("report", help="rewrite docs/RESULTS.md and the plot from the cached results")
    p.add_argument("--results", default="docs/results")
    p.add_argument("--output", default="docs/RESULTS.md")
    p.set_defaults(func=cmd_report)

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
