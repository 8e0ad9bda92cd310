"""`vithash export`: a trained run -> folder with model.onnx, model.json and golden/ (the plugin's model format)."""
import json
import os

import numpy as np
import torch
from PIL import Image

from vithash.config import ModelConfig, build_model
from vithash.data.datasets import load_pool
from vithash.data.normalise import normalise
from vithash.data.folders import FilePool
from vithash.data.preprocessing import Preprocessing, chw, from_chw
from vithash.data.protocol import make_split
from vithash.evaluation.encode import encode_outputs
from vithash.export.golden import SAFE_MARGIN, check_no_dead_bits, choose_golden, write_golden
from vithash.export.manifest import build_manifest
from vithash.export.onnx_export import export_onnx, fuse_for_export, load_weights_from_onnx

TRAIN_SET_DESCRIPTIONS = {
    "protocol": "the 5,000-image protocol training set (500 per class, sampled from the database)",
    "train-split": "the whole training split ({n} images); no query image is trained on",
    "database": "every database image ({n} images); no query image is trained on",
}


def run_preprocessing(config, pool):
    """The preprocessing a run trained with: recorded in its config, else (older runs) the pool's."""
    if config.get("preprocessing"):
        return Preprocessing.from_dict(config["preprocessing"])
    return pool.preprocessing


def load_run(checkpoint):
    ckpt = torch.load(checkpoint, map_location="cpu")
    config = ckpt["config"]
    model = build_model(ModelConfig.from_dict(config["model"]), config["bits"], config["method"],
                        load_weights=False)
    model.load_state_dict(ckpt["model"])
    return model.eval(), config, ckpt["result"]


def export_model(model, config, result, out, model_id, golden_images, golden_outputs, golden_labels,
                 golden_sources, class_names, preprocessing):
    """golden_images: uint8 [C, H, W] arrays written as PNGs (of any size: preprocessing them gives the model
    inputs that produced golden_outputs)."""
    os.makedirs(out, exist_ok=True)
    p = preprocessing
    inputs = np.stack([p.array(from_chw(img)) for img in golden_images])
    onnx_model = export_onnx(model, os.path.join(out, "model.onnx"), p.channels, p.height, p.width)
    # The ONNX file must carry exactly the weights that produced the golden outputs.
    check = fuse_for_export(build_model(ModelConfig.from_dict(config["model"]), config["bits"], config["method"],
                        load_weights=False))
    missing = load_weights_from_onnx(check, onnx_model)
    assert all(k.endswith("num_batches_tracked") for k in missing), missing
    with torch.no_grad():
        again = check(normalise(torch.from_numpy(inputs), p.mean, p.std)).numpy()
    assert np.allclose(again, golden_outputs, atol=1e-5), "ONNX weights do not reproduce the outputs"

    write_golden(os.path.join(out, "golden"), golden_images, golden_outputs, golden_labels, golden_sources,
                 class_names, model_id)
    n = config["train_size"]
    data = config.get("data")
    description = (f"{n:,} images of {data['root']} ({data['source']})" if data
                   else TRAIN_SET_DESCRIPTIONS[config["train_set"]].format(n=f"{n:,}"))
    training = {"train_set": config["train_set"], "train_size": n, "description": description,
                "epochs": result["epochs"], "train_seconds": result["train_seconds"], "recipe": config["train"],
                "method_hyperparameters": config["hyper"]}
    if config.get("init_from"):
        base = torch.load(config["init_from"]["path"], map_location="cpu")
        training["warm_start"] = {"from_run_key": config["init_from"]["key"], "epochs": base["result"]["epochs"],
                                  "train_seconds": base["result"]["train_seconds"],
                                  "recipe": base["config"]["train"]}
        if base["config"].get("kind") == "pretrain":  # vithash pretrain: label-free, the backbone only
            training["warm_start"]["pretraining"] = {k: base["config"][k] for k in ("objective", "train_set",
                                                                                      "train_size")}
            training["description"] += (f"; backbone pretrained first ({base['config']['objective']}, "
                                         f"{base['result']['epochs']} epochs on {base['config']['train_size']:,} "
                                         f"unlabelled {base['config']['train_set']} images)")
        else:
            training["description"] += (f"; {base['result']['epochs']} epochs, then fine-tuned for "
                                         f"{result['epochs']} more epochs from those weights")
    protocol = ("queries: 100 per class from the test split; database: every other image; relevant = same label"
                if not data else f"{data['source']}; relevant = sharing a label")
    evaluation = {"protocol": protocol + "; Hamming ranking, ties by database index",
                  "queries": config["queries"], "database": config["database"],
                  "map_all": result["map_all"], "map_1000": result["map_1000"],
                  "map_all_tie_aware": result["map_all_tie_aware"],
                  "precision_at": result["precision_at"]}
    manifest = build_manifest(model_id, config["bits"], config["method"], p, config["dataset"], training, evaluation,
                              config["model"], class_names)
    with open(os.path.join(out, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def _golden_from_files(model, config, checkpoint, golden_count):
    """Golden images of a run on your images: queries (never trained on), stored oriented, converted and resized
    but not cropped, so the node's whole preprocessing runs on them; their outputs are computed from the PNGs."""
    prep = Preprocessing.from_dict(config["preprocessing"])
    with open(os.path.join(os.path.dirname(checkpoint), "split.json")) as f:
        pool = FilePool.from_record(json.load(f), prep)
    candidates = pool.split.query[:max(8 * golden_count, 64)]
    arrays = []
    for i in candidates:
        with Image.open(pool.files[i]) as im:
            arrays.append(chw(prep.resized(im)))
    inputs = torch.from_numpy(np.stack([prep.array(from_chw(a)) for a in arrays]))
    outputs = encode_outputs(model, inputs, prep.mean, prep.std)
    check_no_dead_bits(outputs)
    labels = pool.labels[candidates]
    first = labels.argmax(1) if labels.ndim == 2 else labels
    safe = np.flatnonzero(np.abs(outputs).min(axis=1) > SAFE_MARGIN)
    pick = safe[choose_golden(outputs[safe], first[safe], golden_count)]
    return [arrays[j] for j in pick], outputs[pick], labels[pick], candidates[pick], pool.class_names, prep


def export_package(checkpoint, out, model_id=None, golden_count=32, dataset="fashion-mnist", data_root=None,
                   split_seed=0):
    model, config, result = load_run(checkpoint)
    if config.get("data"):  # a run on your images: its split.json says which files
        model_id = model_id or f"vithash-{config['dataset']}-{config['method']}-{config['bits']}"
        return export_model(model, config, result, out, model_id,
                            *_golden_from_files(model, config, checkpoint, golden_count))
    pool = load_pool(dataset, data_root)
    split = make_split(pool.labels, pool.is_test_split, seed=split_seed)
    model_id = model_id or f"vithash-{config['dataset']}-{config['method']}-{config['bits']}-{config['train_set']}"
    # Golden images come from the query set: never trained on, real, native size.
    candidates = split.query
    prep = run_preprocessing(config, pool)
    outputs = encode_outputs(model, torch.from_numpy(pool.images[candidates]), prep.mean, prep.std)
    check_no_dead_bits(outputs)
    safe = np.abs(outputs).min(axis=1) > SAFE_MARGIN
    pick = choose_golden(outputs[safe], pool.labels[candidates][safe], golden_count)
    chosen = candidates[safe][pick]
    return export_model(model, config, result, out, model_id, pool.images[chosen], outputs[safe][pick],
                        pool.labels[chosen], chosen, pool.class_names, prep)
