"""Faithfulness on a subset, in CI: mAP measured through OpenSearch equals the offline mAP of the same model.

The demo's own code runs against the real node: 2,000 Fashion-MNIST database images indexed through the image_hash
pipeline, 40 protocol queries by image. The offline side is vithash's evaluation in torch (docs/TRAINING.md).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "src"))

URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    from imagehash_demo import image_demo

    out = tmp_path_factory.mktemp("demo")
    return image_demo.main(["--url", URL, "--index", "faithfulness", "--database", "2000", "--queries", "40",
                            "--out", str(out)])


def test_search_through_opensearch_is_exact_on_the_node_codes(summary):
    # the same codes, ranked by OpenSearch and by the offline metric code: the same numbers (ties included, since
    # doc ids follow database order; the tie-aware value depends on no order at all)
    assert summary["map_1000_opensearch"] == pytest.approx(summary["map_1000_offline_on_node_codes"], abs=1e-12)
    assert summary["map_all_tie_aware_opensearch"] == pytest.approx(summary["map_all_tie_aware_offline_on_node_codes"], abs=1e-12)


def test_the_node_computes_the_same_codes_as_torch(summary):
    assert summary["codes_differing_node_vs_torch"] == 0
    assert summary["map_1000_opensearch"] == pytest.approx(summary["map_1000_offline"], abs=1e-12)
    assert summary["map_all_tie_aware_opensearch"] == pytest.approx(summary["map_all_tie_aware_offline"], abs=1e-12)


def test_everything_indexed_and_the_page_written(summary):
    assert summary["images_indexed"] == 2000
    assert summary["queries"] == 40
    assert summary["query_by_image_top10_ms_p50"] > 0
