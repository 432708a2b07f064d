"""What a training run follows and when it stops: piecewise learning-rate / batch-size schedules and budgets.

Plain data, importable without TensorFlow (the workflow plans with it; the engine in training.py runs it).
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Phase:
    """From `start_epoch` (0-based) on, train with this learning rate and batch size."""

    start_epoch: int
    learning_rate: float
    batch_size: int


@dataclasses.dataclass(frozen=True)
class Schedule:
    """A piecewise-constant learning-rate and batch-size schedule over epochs."""

    phases: tuple[Phase, ...]

    def __post_init__(self) -> None:
        if not self.phases or self.phases[0].start_epoch != 0:
            raise ValueError("a schedule's first phase must start at epoch 0")
        starts = [phase.start_epoch for phase in self.phases]
        if starts != sorted(set(starts)):
            raise ValueError(f"schedule phases must start at increasing epochs, got {starts}")
        for phase in self.phases:
            if phase.batch_size < 1 or not phase.learning_rate > 0:
                raise ValueError(f"invalid phase {phase}: batch size >= 1 and learning rate > 0 required")

    @classmethod
    def constant(cls, learning_rate: float, batch_size: int) -> Schedule:
        return cls((Phase(0, learning_rate, batch_size),))

    def at(self, epoch: int) -> Phase:
        """The phase in force during 0-based `epoch`."""
        return [phase for phase in self.phases if phase.start_epoch <= epoch][-1]

    def next_change(self, epoch: int) -> float:
        """The first epoch after 0-based `epoch` at which another phase starts (infinity: none does)."""
        return min((phase.start_epoch for phase in self.phases if phase.start_epoch > epoch), default=float("inf"))


@dataclasses.dataclass(frozen=True)
class Budget:
    """When a run stops: whichever of these comes first."""

    max_epochs: int
    max_updates: int | None = None
    patience: int | None = None  # epochs without a min_delta improvement of the running training loss
    min_delta: float = 0.0
    target_accuracy: float | None = None  # on the test (or hold-out) set

    @classmethod
    def from_config(cls, budget_config: dict[str, Any]) -> Budget:
        return cls(**budget_config)
