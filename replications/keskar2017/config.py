"""The `keskar2017` config section as typed objects, parsed once per step (replications.typed_config)."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from replications.typed_config import ClaimRule, parse


@dataclasses.dataclass(frozen=True)
class Network:
    """One Table 1 row to train: the paper's network it stands for, its data set and its model."""

    paper_row: str  # the paper's network this one stands for (F1, C1, ...)
    data: Mapping[str, Any]
    model: Mapping[str, Any]
    small_batch: int | None = None  # this network's SB, where the section's would not keep LB/SB >= min_batch_ratio
    minima: bool = True  # also in Tables 3-4 and Figs. 3 and 6 (sharpness); false: Table 2 only


@dataclasses.dataclass(frozen=True)
class Settle:
    """Before sharpness is measured: `epochs` more epochs of the run's last batch size at `learning_rate_factor` x its
    learning rate (a fresh optimizer), so the point measured is nearer a stationary point (0 epochs: as trained)."""

    epochs: int = 0
    learning_rate_factor: float = 0.1


@dataclasses.dataclass(frozen=True)
class CurvatureProbes:
    """The Hessian estimates that predict phi: Hutchinson probes and Lanczos steps (0 probes: none)."""

    probes: int = 0
    lanczos_steps: int = 20


@dataclasses.dataclass(frozen=True)
class Sharpness:
    """Metric 2.1: box sizes, the random subspace's dimension, L-BFGS-B iterations (paper: 1e-3 and 5e-4, 100, 10)."""

    epsilons: tuple[float, ...]
    subspace_dimension: int
    max_iterations: int
    subspace_columns: str = "gaussian"  # replications.sharpness.random_subspace
    unit_columns: bool = False  # A's columns scaled to length 1 (our earlier variant: the box then sees only the slope)
    settle: Settle = Settle()
    curvature: CurvatureProbes = CurvatureProbes()


@dataclasses.dataclass(frozen=True)
class Parametric:
    """Fig. 3: the grid of alpha along x_SB + alpha (x_LB - x_SB), and the examples that recompute BN statistics."""

    alpha_min: float
    alpha_max: float
    points: int
    offset: float  # the claim compares the loss rise this far beyond each minimum
    batch_norm_examples: int


@dataclasses.dataclass(frozen=True)
class RunGroup:
    """The sweep (batch sizes) or the warm start (SB epochs before LB): which networks, values and seeds."""

    networks: tuple[str, ...]
    seeds: tuple[int, ...]
    batch_sizes: tuple[int, ...] = ()
    epochs: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """Fig. 6: the epochs whose weights the SB and LB runs of one seed keep, and the box size measured there."""

    epochs: tuple[int, ...]
    seed: int
    epsilon: float


@dataclasses.dataclass(frozen=True)
class Rescaling:
    """Dinh et al. 2017: the factors of the BN/ReLU rescaling check."""

    alphas: tuple[float, ...]


@dataclasses.dataclass(frozen=True)
class KeskarConfig:
    """The whole section; budget, optimizer, data and model blocks stay mappings (their builders' arguments)."""

    seeds: tuple[int, ...]
    optimizer: Mapping[str, Any]
    small_batch: int
    large_batch_fraction: float
    min_batch_ratio: float
    budget: Mapping[str, Any]
    networks: dict[str, Network]
    sharpness: Sharpness
    parametric: Parametric
    sweep: RunGroup
    warm_start: RunGroup
    trajectory: Trajectory
    rescaling: Rescaling
    claims: dict[str, ClaimRule]  # by claim: generalization_gap, sharper_minima, ... (schema.yaml)
    not_reproduced: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def minima_networks(self) -> list[str]:
        """The networks whose minima are measured (Tables 3-4, Figs. 3 and 6)."""
        return [name for name, network in self.networks.items() if network.minima]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "KeskarConfig":
        return parse(cls, config["keskar2017"])
