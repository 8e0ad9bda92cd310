import os

import numpy as np
import pytest
from PIL import Image

from vithash.data.folders import DataError, check_images, scan_folder, scan_lists, seeded_split
from vithash.data.preprocessing import Preprocessing


def write_image(path, colour=(200, 30, 30), size=(12, 10), fmt=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt)


def image_folder(root, classes=("cat", "dog", "emu"), per_class=10):
    for c, name in enumerate(classes):
        for i in range(per_class):
            write_image(os.path.join(root, name, f"{i:03d}.png"), (c * 80, i * 20, 50))


def test_image_folder_with_a_seeded_stratified_split_and_skipped_files(tmp_path):
    image_folder(tmp_path)
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "dog" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (tmp_path / "dog" / "empty.png").write_bytes(b"")
    whole = (tmp_path / "emu" / "000.png").read_bytes()
    write_image(str(tmp_path / "emu" / "big.jpg"), size=(300, 200))
    jpeg = (tmp_path / "emu" / "big.jpg").read_bytes()
    (tmp_path / "emu" / "big.jpg").write_bytes(jpeg[:len(jpeg) // 2])  # header fine, data cut off
    (tmp_path / "emu" / "cut.png").write_bytes(whole[:len(whole) - 30])
    pool = scan_folder(str(tmp_path), seed=3, query_fraction=0.2)
    assert pool.class_names == ["cat", "dog", "emu"] and len(pool.files) == 30
    assert sorted(os.path.basename(p) for p, _ in pool.skipped) == ["big.jpg", "broken.jpg", "cut.png", "empty.png",
                                                                    "notes.txt"]
    assert np.bincount(pool.labels[pool.split.query]).tolist() == [2, 2, 2]  # 20% of each class
    assert len(pool.split.database) == 24 and not np.isin(pool.split.query, pool.split.database).any()
    assert (pool.split.train == pool.split.database).all()
    again = scan_folder(str(tmp_path), seed=3, query_fraction=0.2)
    assert (again.split.query == pool.split.query).all()  # reproducible from the seed
    assert not (scan_folder(str(tmp_path), seed=4, query_fraction=0.2).split.query == pool.split.query).all()


def test_split_folders(tmp_path):
    image_folder(tmp_path / "train", per_class=6)
    image_folder(tmp_path / "val", per_class=2)
    pool = scan_folder(str(tmp_path))
    assert "query = val/, database = train/, train = train/" in pool.source
    assert (len(pool.split.query), len(pool.split.database), len(pool.split.train)) == (6, 18, 18)
    assert all("/val/" in pool.files[i] for i in pool.split.query)
    image_folder(tmp_path / "database", per_class=3)
    image_folder(tmp_path / "query", classes=("cat", "dog"), per_class=1)
    pool = scan_folder(str(tmp_path))
    assert (len(pool.split.query), len(pool.split.database), len(pool.split.train)) == (2, 9, 18)
    assert all("/database/" in pool.files[i] for i in pool.split.database)


def test_folder_errors_before_training(tmp_path):
    image_folder(tmp_path)
    os.makedirs(tmp_path / "fox")
    with pytest.raises(DataError, match="class folder .*fox has no readable images"):
        scan_folder(str(tmp_path))
    with pytest.raises(DataError, match="not a folder"):
        scan_folder(str(tmp_path / "nope"))
    image_folder(tmp_path / "other" / "train")
    with pytest.raises(DataError, match="neither query/ nor val/"):
        scan_folder(str(tmp_path / "other"))


def write_list(path, rows):
    path.write_text("".join(" ".join(map(str, r)) + "\n" for r in rows))


def test_list_files_multi_label_and_one_hot(tmp_path):
    for i in range(12):
        write_image(str(tmp_path / "img" / f"{i}.jpg"), (i * 20, 0, 0))
    multi = [[f"img/{i}.jpg", i % 2, (i // 2) % 2, 1 if i % 3 == 0 else 0] for i in range(12)]
    multi[1] = ["img/1.jpg", 1, 1, 1]
    multi[2] = ["img/2.jpg", 0, 1, 0]
    multi[4] = ["img/4.jpg", 0, 1, 1]
    multi[5] = ["img/5.jpg", 1, 0, 0]
    multi[8] = ["img/8.jpg", 0, 0, 1]
    write_list(tmp_path / "all.txt", multi + [["img/missing.jpg", 1, 0, 0]])
    pool = scan_lists({"all": str(tmp_path / "all.txt")}, str(tmp_path), seed=0, query_fraction=0.25)
    assert pool.multi_label and pool.labels.shape == (12, 3) and pool.class_names == ["0", "1", "2"]
    assert [os.path.basename(p) for p, _ in pool.skipped] == ["missing.jpg"]
    assert len(pool.split.query) == 3 and len(pool.split.database) == 9

    onehot = [[f"img/{i}.jpg"] + [int(i % 3 == c) for c in range(3)] for i in range(12)]
    write_list(tmp_path / "q.txt", onehot[:3])
    write_list(tmp_path / "db.txt", onehot[3:])
    pool = scan_lists({"query": str(tmp_path / "q.txt"), "database": str(tmp_path / "db.txt")}, str(tmp_path))
    assert not pool.multi_label and pool.labels.tolist() == [i % 3 for i in range(12)]
    assert pool.split.query.tolist() == [0, 1, 2] and pool.split.train.tolist() == list(range(3, 12))


@pytest.mark.parametrize("rows, message", [
    ([["a.jpg", 1, 0], ["b.jpg", 1]], "line 2: 1 label columns, but line 1 has 2"),
    ([["a.jpg", 1, 0], ["b.jpg"]], "line 2: labels missing"),
    ([["a.jpg", 0, 0]], "line 1: no label is 1"),
    ([["a.jpg", 2, 0]], "labels must be 0 or 1"),
    ([["a.jpg", "x", 0]], "labels must be 0 or 1"),
])
def test_bad_list_files(tmp_path, rows, message):
    write_image(str(tmp_path / "a.jpg"))
    write_image(str(tmp_path / "b.jpg"))
    write_list(tmp_path / "l.txt", rows)
    with pytest.raises(DataError, match=message):
        scan_lists({"all": str(tmp_path / "l.txt")}, str(tmp_path))


def test_images_stream_through_the_preprocessing(tmp_path):
    image_folder(tmp_path, per_class=3)
    pool = scan_folder(str(tmp_path), query_fraction=0.34)
    pool.preprocessing = Preprocessing(8, 8, "rgb", (0.5,) * 3, (0.5,) * 3, "shorter_side", 9, "bicubic", 8)
    images = pool.image_set(pool.split.database)
    assert len(images) == 6 and images[0].shape == (3, 8, 8) and images[0].dtype.is_floating_point is False
    again = scan_folder(str(tmp_path), query_fraction=0.34)
    again.preprocessing = pool.preprocessing
    assert again.describe() == pool.describe()  # the run's configuration key is stable
    assert pool.describe()["preprocessing"]["interpolation"] == "bicubic"


def test_seeded_split_keeps_every_class_in_the_database():
    labels = np.array([0, 1, 1, 2, 2, 2, 2, 2, 2, 2])
    split = seeded_split(labels, 0, 0.5)
    assert set(labels[split.database]) == {0, 1, 2} and 0 not in labels[split.query]


def test_many_files_are_checked_in_worker_processes(tmp_path):
    write_image(str(tmp_path / "ok.png"))
    (tmp_path / "bad.png").write_bytes(b"nope")
    paths = [str(tmp_path / ("bad.png" if i % 100 == 7 else "ok.png")) for i in range(300)]
    reasons = check_images(paths, workers=2)
    assert reasons == check_images(paths, workers=0)
    assert [i for i, r in enumerate(reasons) if r] == [7, 107, 207]
