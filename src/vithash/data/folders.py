"""Your own images: a torchvision ImageFolder (`root/<class>/<file>`, optionally split into `train/`, `val/`,
`database/`, `query/`) or DeepHash-pytorch list files (`relpath l1 ... lC`, multi-hot). Only paths and labels are
held in memory; images are decoded per batch (vithash.data.images.FileImages).

Splits: with `query/` (or else `val/`) the queries are those images; the database is `database/` (or else
`train/`); the training set is `train/` (or else the database). Without split folders, a seeded split draws
`query_fraction` of each class as queries (of all images for multi-label lists), the rest is the database, and
training uses the database (or `train_per_class` images per class of it). The split is recorded in the run
(split.json) and its digest in the run's configuration.

Files that are not readable images are skipped, counted and listed (skipped.json, and the run log); an empty class
folder, a list line with the wrong number of columns or no label, and no images at all are errors.
"""
import hashlib
import json
import multiprocessing
import os
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from PIL import Image

from vithash.data.images import FileImages
from vithash.data.protocol import Split

SPLIT_FOLDERS = ("train", "val", "database", "query")


class DataError(ValueError):
    """Input data that cannot be trained on, said before training starts."""


@dataclass
class FilePool:
    name: str
    root: str
    files: list  # paths
    labels: np.ndarray  # int64 [N] class indices, or uint8 [N, C] multi-hot
    class_names: list
    split: Split
    source: str  # how the split was made
    skipped: list = field(default_factory=list)  # [path, reason] of unreadable files
    preprocessing: Optional[object] = None  # vithash.data.preprocessing.Preprocessing, chosen with the model

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def multi_label(self):
        return self.labels.ndim == 2

    @property
    def is_test_split(self):
        mask = np.zeros(len(self.files), bool)
        mask[self.split.query] = True
        return mask

    @property
    def mean(self):
        return self.preprocessing.mean

    @property
    def std(self):
        return self.preprocessing.std

    def image_set(self, indices):
        return FileImages([self.files[i] for i in np.asarray(indices)], self.preprocessing)

    def split_record(self):
        """Everything needed to rebuild the pool (export does): files relative to root, labels, split indices."""
        return {"source": self.source, "name": self.name, "root": os.path.abspath(self.root),
                "class_names": self.class_names, "files": [os.path.relpath(f, self.root) for f in self.files],
                "labels": self.labels.tolist(),
                **{k: getattr(self.split, k).tolist() for k in ("query", "database", "train")}}

    @staticmethod
    def from_record(record, preprocessing):
        split = Split(*[np.array(record[k], np.int64) for k in ("query", "database", "train")])
        labels = np.array(record["labels"], np.int64 if not isinstance(record["labels"][0], list) else np.uint8)
        return FilePool(record["name"], record["root"], [os.path.join(record["root"], f) for f in record["files"]],
                        labels, record["class_names"], split, record["source"], [], preprocessing)

    def describe(self):
        digest = hashlib.sha256(json.dumps(self.split_record()).encode()).hexdigest()[:16]
        return {"preprocessing": self.preprocessing.to_dict(),
                "data": {"root": os.path.abspath(self.root), "images": len(self.files), "source": self.source,
                         "multi_label": self.multi_label, "classes": self.class_names, "skipped": len(self.skipped),
                         "split_digest": digest}}

    def record(self, work_dir, log=print):
        """Writes split.json and skipped.json into the run folder and logs the skipped files."""
        if self.skipped:
            log(f"skipped {len(self.skipped)} unreadable files: "
                + "; ".join(f"{p} ({r})" for p, r in self.skipped[:20]) + (" ..." if len(self.skipped) > 20 else ""))
        if work_dir:
            os.makedirs(work_dir, exist_ok=True)
            with open(os.path.join(work_dir, "split.json"), "w") as f:
                json.dump(self.split_record(), f)
            with open(os.path.join(work_dir, "skipped.json"), "w") as f:
                json.dump(self.skipped, f, indent=1)


def readable_image(path):
    """None when Pillow decodes the file as an image, else the reason. The whole file is decoded, so truncated
    and corrupt images are caught here rather than in the middle of training; JPEGs at 1/8 scale (libjpeg's DCT
    scaling still reads every byte), which is several times faster."""
    try:
        with Image.open(path) as im:
            if im.width <= 0 or im.height <= 0:
                return "no pixels"
            if im.format == "JPEG":
                im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
        return None
    except Exception as e:  # noqa: BLE001 -- any failure to decode means "not a readable image"
        return f"{type(e).__name__}: {e}"


def check_images(paths, workers=0):
    """readable_image for every path, in `workers` processes when there are many."""
    if workers > 1 and len(paths) > 256:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(readable_image, paths, chunksize=64)
    return [readable_image(p) for p in paths]


def _keep_readable(paths, skipped, workers):
    reasons = check_images(paths, workers)
    skipped += [[p, r] for p, r in zip(paths, reasons) if r]
    return [p for p, r in zip(paths, reasons) if not r]


def _class_files(folder, skipped, workers=0):
    """{class name: [readable image paths]} of an ImageFolder; an empty class folder is an error."""
    classes = sorted(d.name for d in os.scandir(folder) if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DataError(f"{folder}: no class folders (expected {folder}/<class>/<image files>)")
    candidates = {}
    for c in classes:
        candidates[c] = []
        for dirpath, dirnames, names in os.walk(os.path.join(folder, c), followlinks=True):
            dirnames.sort()
            candidates[c] += [os.path.join(dirpath, n) for n in sorted(names)]
    readable = set(_keep_readable([p for files in candidates.values() for p in files], skipped, workers))
    out = {}
    for c, files in candidates.items():
        out[c] = [p for p in files if p in readable]
        if not out[c]:
            raise DataError(f"class folder {os.path.join(folder, c)} has no readable images")
    return out


def scan_folder(root, seed=0, query_fraction=0.1, train_per_class=0, workers=0):
    """An ImageFolder, with or without split folders -> FilePool."""
    if not os.path.isdir(root):
        raise DataError(f"--images {root}: not a folder")
    skipped = []
    present = [s for s in SPLIT_FOLDERS if os.path.isdir(os.path.join(root, s))]
    if not present:
        per_class = _class_files(root, skipped, workers)
        names = list(per_class)
        files = [f for c in names for f in per_class[c]]
        labels = np.array([i for i, c in enumerate(names) for _ in per_class[c]], np.int64)
        split = seeded_split(labels, seed, query_fraction, train_per_class)
        source = f"seeded split (seed {seed}, query_fraction {query_fraction}, train_per_class {train_per_class})"
        return FilePool(os.path.basename(os.path.abspath(root)), root, files, labels, names, split, source, skipped)

    query_dir = "query" if "query" in present else "val" if "val" in present else None
    if query_dir is None:
        raise DataError(f"{root}: split folders {present} but neither query/ nor val/ (the queries)")
    database_dir = "database" if "database" in present else "train" if "train" in present else None
    if database_dir is None:
        raise DataError(f"{root}: split folders {present} but neither database/ nor train/ (the database)")
    train_dir = "train" if "train" in present else database_dir
    scanned = {d: _class_files(os.path.join(root, d), skipped, workers) for d in dict.fromkeys([query_dir, database_dir,
                                                                                        train_dir])}
    names = sorted({c for per_class in scanned.values() for c in per_class})
    files, labels, ranges = [], [], {}
    for d, per_class in scanned.items():
        start = len(files)
        for c in names:
            files += per_class.get(c, [])
            labels += [names.index(c)] * len(per_class.get(c, []))
        ranges[d] = np.arange(start, len(files))
    split = Split(ranges[query_dir], ranges[database_dir], ranges[train_dir])
    if train_per_class:
        split.train = _per_class_sample(np.random.default_rng(seed), split.train, np.array(labels), train_per_class)
    source = f"folders: query = {query_dir}/, database = {database_dir}/, train = {train_dir}/"
    return FilePool(os.path.basename(os.path.abspath(root)), root, files, np.array(labels, np.int64), names, split,
                    source, skipped)


def _per_class_sample(rng, candidates, labels, per_class):
    picked = [rng.choice(m, min(per_class, len(m)), replace=False)
              for c in np.unique(labels[candidates]) for m in [candidates[labels[candidates] == c]]]
    return np.sort(np.concatenate(picked))


def seeded_split(labels, seed=0, query_fraction=0.1, train_per_class=0):
    """Queries: round(query_fraction * n) images of each class (of all images when labels are multi-hot), at
    least one image of each class left in the database; database: the rest; train: the database, or
    train_per_class images per class of it (single-label only)."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    if labels.ndim == 2:
        query = np.sort(rng.choice(n, int(round(query_fraction * n)), replace=False))
    else:
        query = []
        for c in np.unique(labels):
            members = np.flatnonzero(labels == c)
            k = min(int(round(query_fraction * len(members))), len(members) - 1)
            query.append(rng.choice(members, k, replace=False))
        query = np.sort(np.concatenate(query)).astype(np.int64)
    database = np.setdiff1d(np.arange(n), query)
    if len(query) == 0 or len(database) == 0:
        raise DataError(f"{n} images are too few to split into queries and a database (query_fraction "
                        f"{query_fraction})")
    train = database.copy()
    if train_per_class and labels.ndim == 1:
        train = _per_class_sample(rng, database, labels, train_per_class)
    return Split(query, database, train)


def read_list(path, root, workers=0):
    """A DeepHash-pytorch list file -> (paths, labels, skipped). Labels: int64 class indices when every line has
    exactly one 1 (one-hot lists, e.g. CIFAR-10's), else uint8 multi-hot [N, C] (e.g. NUS-WIDE's 21 columns)."""
    if not os.path.isfile(path):
        raise DataError(f"--list {path}: no such file")
    paths, rows, skipped = [], [], []
    columns = None
    with open(path) as f:
        for number, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                raise DataError(f"{path} line {number}: labels missing (expected: relative/path l1 ... lC)")
            if columns is None:
                columns = len(parts) - 1
            elif len(parts) - 1 != columns:
                raise DataError(f"{path} line {number}: {len(parts) - 1} label columns, but line 1 has {columns}")
            try:
                row = [int(v) for v in parts[1:]]
            except ValueError:
                raise DataError(f"{path} line {number}: labels must be 0 or 1, got {parts[1:]}") from None
            if any(v not in (0, 1) for v in row):
                raise DataError(f"{path} line {number}: labels must be 0 or 1, got {parts[1:]}")
            if not any(row):
                raise DataError(f"{path} line {number}: no label is 1 (every image needs at least one label)")
            paths.append(os.path.join(root, parts[0]))
            rows.append(row)
    reasons = check_images(paths, workers)
    skipped = [[p, r] for p, r in zip(paths, reasons) if r]
    rows = [row for row, r in zip(rows, reasons) if not r]
    paths = [p for p, r in zip(paths, reasons) if not r]
    if not paths:
        raise DataError(f"{path}: no readable images" + (f" ({len(skipped)} skipped)" if skipped else ""))
    return paths, np.array(rows, np.uint8), skipped


def _labels(rows):
    return rows.argmax(1).astype(np.int64) if (rows.sum(1) == 1).all() else rows


def scan_lists(lists, root, seed=0, query_fraction=0.1, train_per_class=0, workers=0):
    """lists: {"all": FILE} (a seeded split is drawn) or {"query": FILE, "database": FILE[, "train": FILE]}."""
    unknown = set(lists) - {"all", "query", "database", "train"}
    one = "all" in lists
    if unknown or (one and len(lists) > 1) or (not one and not {"query", "database"} <= set(lists)):
        raise DataError(f"--list: give one FILE, or query=FILE database=FILE [train=FILE]; got {sorted(lists)}")
    if "all" in lists:
        paths, rows, skipped = read_list(lists["all"], root, workers)
        labels, columns = _labels(rows), rows.shape[1]
        split = seeded_split(labels, seed, query_fraction, train_per_class)
        source = f"list {lists['all']}, seeded split (seed {seed}, query_fraction {query_fraction})"
    else:
        paths, blocks, skipped, ranges = [], [], [], {}
        names = dict.fromkeys(["query", "database", "train" if "train" in lists else "database"])
        for name in names:
            p, rows, s = read_list(lists[name], root, workers)
            if blocks and rows.shape[1] != blocks[0].shape[1]:
                raise DataError(f"{lists[name]}: {rows.shape[1]} label columns, {lists['query']} has "
                                f"{blocks[0].shape[1]}")
            ranges[name] = np.arange(len(paths), len(paths) + len(p))
            paths += p
            blocks.append(rows)
            skipped += s
        labels, columns = _labels(np.concatenate(blocks)), blocks[0].shape[1]
        split = Split(ranges["query"], ranges["database"], ranges.get("train", ranges["database"]))
        source = "lists: " + ", ".join(f"{k} = {v}" for k, v in lists.items())
    classes = [str(c) for c in range(columns)]
    name = os.path.splitext(os.path.basename(next(iter(lists.values()))))[0]
    return FilePool(name, root, paths, labels, classes, split, source, skipped)

