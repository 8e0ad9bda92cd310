"""Golden vectors: real images as native-size PNGs with their expected raw outputs and hex codes.

The Java side decodes each PNG, normalises it per model.json, runs the ONNX model and must reproduce the
hex codes. Images whose smallest |output| is tiny are avoided, so float noise between ONNX Runtime and
torch cannot flip a bit; the smallest |output| of each chosen image is recorded.
"""
import json
import os

import numpy as np

from vithash.data.preprocessing import from_chw
from vithash.export.manifest import code_hex

SAFE_MARGIN = 1e-3


def check_no_dead_bits(outputs):
    """Refuses a model with a bit whose output stays within SAFE_MARGIN of 0 for every candidate image: its sign is
    rounding noise (ONNX Runtime and torch may disagree), so no image could be a golden one and every code would carry
    a random bit. Training then gave that bit no gradient (e.g. a codebook column shared by every class)."""
    dead = np.flatnonzero(np.abs(outputs).max(axis=0) <= SAFE_MARGIN)
    if dead.size:
        raise ValueError(f"bits {dead.tolist()} of the model's output stay within {SAFE_MARGIN} of 0 for all "
                         f"{len(outputs)} candidate golden images: their signs are noise; retrain (see docs/TRAINING.md)")


def choose_golden(outputs, labels, count, per_class_order=True):
    """Indices (into `outputs`) of `count` images spread over the classes, safest (largest min|output|) first."""
    margins = np.abs(outputs).min(axis=1)
    classes = np.unique(labels)
    ranked = {c: [i for i in np.argsort(-margins, kind="stable") if labels[i] == c] for c in classes}
    chosen = []
    while len(chosen) < count and any(ranked.values()):
        for c in classes:
            if ranked[c] and len(chosen) < count:
                chosen.append(ranked[c].pop(0))
    return sorted(chosen)


def write_golden(folder, images_u8, outputs, labels, source_indices, class_names, model_id):
    """images_u8: n uint8 [C, H, W] arrays, written as PNGs; outputs [n, K] (from the very model that is exported,
    on those PNGs preprocessed as model.json says)."""
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):  # a re-export must not leave another model's images behind
        if old.endswith(".png") or old == "golden.json":
            os.remove(os.path.join(folder, old))
    entries = []
    for j, (img, out, label, src) in enumerate(zip(images_u8, outputs, labels, source_indices)):
        label = int(np.flatnonzero(label)[0]) if np.ndim(label) else int(label)  # multi-label: the first
        name = f"{j:02d}_{class_names[label].replace('/', '-').replace(' ', '-')}.png"
        from_chw(img).save(os.path.join(folder, name))
        entries.append({"file": name, "label": int(label), "class": class_names[label], "source_index": int(src),
                        "hex": code_hex(out), "min_abs_output": float(np.abs(out).min()),
                        "outputs": [float(v) for v in out]})
    doc = {"model_id": model_id,
           "description": "Preprocess each PNG per model.json's input (the datasets' PNGs are native size, so "
                          "they are only normalised; photos are stored already resized, so only the crop "
                          "changes them), run model.onnx, apply the bit rule; the hex must equal `hex`. "
                          "`outputs` are torch's raw float outputs (compare with a tolerance of ~1e-4); "
                          "`min_abs_output` is the smallest |output| of the image, i.e. how far it is from "
                          "flipping a bit.",
           "source": "source_index is the image's position in the dataset pool (test split first, then train; "
                     "for your images, in the run's split.json)",
           "min_abs_output_overall": float(min(e["min_abs_output"] for e in entries)),
           "images": entries}
    with open(os.path.join(folder, "golden.json"), "w") as f:
        json.dump(doc, f, indent=1)
    return doc
