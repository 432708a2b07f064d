"""The `keskar2017` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from replications.typed_config import ClaimRule, OneSidedRule, key, parse

POSITIVE_INT = {"$ref": "#/$defs/positive_int"}
SEEDS = {"items": {"minimum": 0}, "uniqueItems": True}
NETWORK_NAMES = {"items": {"type": "string"}, "minItems": 1}


@dataclasses.dataclass(frozen=True)
class Network:
    """One Table 1 row to train: the paper's network it stands for, its data set and its model."""

    paper_row: Literal["F1", "F2", "C1", "C2", "C3", "C4"] = key("the paper's network this one stands for")
    data: Mapping[str, Any] = key(**{"$ref": "#/$defs/data"})
    model: Mapping[str, Any] = key(**{"$ref": "#/$defs/model"})
    small_batch: int | None = key("this network's SB batch size (default keskar2017.small_batch)", default=None, **POSITIVE_INT)
    minima: bool = key("false: Table 2 only, no sharpness, parametric plot or trajectory", default=True)


@dataclasses.dataclass(frozen=True)
class Settle:
    """Before sharpness is measured: `epochs` more epochs of the run's last batch size at `learning_rate_factor` x its
    learning rate (a fresh optimizer), so the point measured is nearer a stationary point (0 epochs: as trained)."""

    epochs: int = key(minimum=0)
    learning_rate_factor: float = key(exclusiveMinimum=0, maximum=1)


@dataclasses.dataclass(frozen=True)
class CurvatureProbes:
    """The Hessian estimates that predict phi: Hutchinson probes and Lanczos steps (0 probes: none)."""

    probes: int = key(minimum=0)
    lanczos_steps: int = key(**POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class Sharpness:
    """Metric 2.1: box sizes, the random subspace's dimension, L-BFGS-B iterations (paper: 1e-3 and 5e-4, 100, 10)."""

    epsilons: tuple[float, ...] = key("box sizes (paper: 1e-3, 5e-4)", items={"exclusiveMinimum": 0}, minItems=1)
    subspace_dimension: int = key("p of the random subspace (paper: 100)", **POSITIVE_INT)
    max_iterations: int = key("L-BFGS-B iterations (paper: 10)", **POSITIVE_INT)
    subspace_columns: Literal["gaussian", "uniform"] = key(
        "gaussian (independent columns, nearly orthogonal: the paper's random subspace) or uniform (entries on [0, 1), as a "
        "public re-implementation; its columns share one direction)", default="gaussian")
    unit_columns: bool = key("scale A's columns to unit length (our earlier variant; the box is then sqrt(n) smaller in the "
                             "weights and sees only the slope); false: N(0, 1) entries as drawn", default=False)
    settle: Settle = key("before measuring: more epochs of the run's last batch size at a decayed learning rate (fresh "
                         "optimizer), nearer a stationary point", default=Settle(epochs=0, learning_rate_factor=0.1), fill=False)
    curvature: CurvatureProbes = key("independent Hessian estimates that predict phi (Hutchinson probes of tr H, Lanczos "
                                     "steps for lambda_max); 0 probes: none", default=CurvatureProbes(probes=0, lanczos_steps=20),
                                     fill=False)


@dataclasses.dataclass(frozen=True)
class Parametric:
    """Fig. 3: the grid of alpha along x_SB + alpha (x_LB - x_SB), and the examples that recompute BN statistics."""

    alpha_min: float
    alpha_max: float
    points: int = key("grid points (authors' code: 25)", minimum=3)
    offset: float = key("the claim compares the loss rise this far beyond each minimum along the line", exclusiveMinimum=0)
    batch_norm_examples: int = key("training examples used to recompute BN statistics at each alpha", **POSITIVE_INT)


@dataclasses.dataclass(frozen=True)
class Sweep:
    """Fig. 4: test accuracy and sharpness against batch size."""

    networks: tuple[str, ...] = key("keys of keskar2017.networks", **NETWORK_NAMES)
    batch_sizes: tuple[int, ...] = key(items=POSITIVE_INT, minItems=3, uniqueItems=True)
    seeds: tuple[int, ...] = key(**SEEDS, minItems=1)


@dataclasses.dataclass(frozen=True)
class WarmStart:
    """Fig. 5: SB for k epochs, then LB; k = 0 is LB from scratch."""

    networks: tuple[str, ...] = key("keys of keskar2017.networks", **NETWORK_NAMES)
    epochs: tuple[int, ...] = key(items={"minimum": 0}, minItems=2, uniqueItems=True, contains={"const": 0})
    seeds: tuple[int, ...] = key(**SEEDS, minItems=2)


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Fig. 6: sharpness at weight snapshots along the SB and LB runs of one seed: the epochs kept, the box size."""

    epochs: tuple[int, ...] = key(items=POSITIVE_INT, minItems=2, uniqueItems=True)
    seed: int = key(minimum=0)
    epsilon: float = key(exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class Rescaling:
    """Dinh et al. 2017 check: rescale a BN/ReLU pair by (alpha, 1/alpha), same function, other sharpness."""

    alphas: tuple[float, ...] = key(items={"exclusiveMinimum": 0}, minItems=2)


@dataclasses.dataclass(frozen=True)
class GapRule(ClaimRule):
    """The generalization gap: a one-sided paired t-test; the smallest gap that counts is set per network."""

    alpha: float = key("significance level of the one-sided paired t-test", **{"$ref": "#/$defs/fraction"})
    min_margin_examples: int = key("the smallest gap that counts is at least this many test examples' worth (else the "
                                   "paper's small-telescopes gap)", minimum=1)
    max_train_accuracy_difference: float = key("the claim compares models of similar training accuracy; a larger "
                                               "difference makes the cell not measured", **{"$ref": "#/$defs/fraction"})


@dataclasses.dataclass(frozen=True)
class MinimaRule(OneSidedRule):
    """Sharper minima, with the validity check of a minimum."""

    max_first_order_share_of_paper: float = key(
        "sharpness validity: a point is a minimum at epsilon if its first-order rise over the box is at most this share "
        "of the paper's SB phi in the same cell (Tables 3-4); else the cell is not measured", exclusiveMinimum=0)


@dataclasses.dataclass(frozen=True)
class KeskarClaims:
    """The claim rules, one per claim (schema and thresholds: each rule's kind)."""

    generalization_gap: GapRule
    sharper_minima: MinimaRule
    steeper_around_large_batch: OneSidedRule
    batch_size_trend: OneSidedRule
    warm_start: OneSidedRule


@dataclasses.dataclass(frozen=True)
class KeskarConfig:
    """The `keskar2017` section (Keskar et al. 2017); budget, optimizer, data and model blocks stay mappings (their
    builders' arguments). Its JSON Schema is written from it; `#/$defs/...` are config/schema.yaml's."""

    seeds: tuple[int, ...] = key(**SEEDS, minItems=2)
    optimizer: Mapping[str, Any] = key(**{"$ref": "#/$defs/optimizer"})
    small_batch: int = key("SB batch size (paper 256)", **POSITIVE_INT)
    large_batch_fraction: float = key("LB batch size as a share of the training set (paper 0.1)", **{"$ref": "#/$defs/fraction"})
    min_batch_ratio: float = key("every network's LB must be at least this many times its SB (paper about 20); checked "
                                 "before any run", minimum=1)
    budget: Mapping[str, Any] = key(**{"$ref": "#/$defs/budget"})
    networks: dict[str, Network] = key("Table 1 rows to train, keyed by the paper's network id", minProperties=1,
                                       propertyNames={"pattern": "^[A-Za-z0-9]+$"})
    sharpness: Sharpness
    parametric: Parametric
    sweep: Sweep
    warm_start: WarmStart
    trajectory: Trajectory
    rescaling: Rescaling
    claims: KeskarClaims
    not_reproduced: dict[str, str] = key("paper networks left out, with the reason (shown in the report)", default={}, fill=False)
    training_set_every_epoch: bool = key(
        "evaluate the whole training set after every epoch, or (false) only after the last: the claims and tables read the "
        "final training accuracy; the test set is evaluated after every epoch either way (Table 2's curves)", default=True)

    @property
    def minima_networks(self) -> list[str]:
        """The networks whose minima are measured (Tables 3-4, Figs. 3 and 6)."""
        return [name for name, network in self.networks.items() if network.minima]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeskarConfig:
        return parse(cls, config["keskar2017"])
