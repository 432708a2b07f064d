import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from replications.training import configure_runtime

configure_runtime(threads_per_job=1)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def tiny_mnist1d():
    from replications.data import load_dataset

    return load_dataset("mnist1d", num_samples=600, test_fraction=0.2, split_seed=0)


@pytest.fixture
def config(tmp_path):
    """The smoke config, validated, with its results under tmp_path."""
    from replications.config import load_config

    config = load_config(f"{REPO}/config/smoke.yaml")
    config["results_dir"] = str(tmp_path)
    return config
