"""Real-node tests. `pytest -m smoke` runs the subset that every engine flavour must pass (scripts/test-engines.sh):
the field and its bad values, the query against brute force, a few images through a pipeline, `_encode`, and the
query by image. The models API's prefix comes from IH_API (default /_plugins/image_hash)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "smoke: the subset run against every engine flavour (scripts/test-engines.sh)")
