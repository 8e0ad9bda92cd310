import numpy as np
import pytest

from vithash.data.idx import parse_idx, read_idx, write_idx


@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_round_trip(tmp_path, name):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / name, arr)
    np.testing.assert_array_equal(read_idx(tmp_path / name), arr)


def test_labels_header_is_parsed_by_hand():
    # magic 0x00000801 (uint8, 1 dim), 3 items: 7, 0, 9
    data = bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9])
    np.testing.assert_array_equal(parse_idx(data), [7, 0, 9])


def test_rejects_garbage():
    with pytest.raises(ValueError):
        parse_idx(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError):
        parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1]))
