"""Operating characteristics of each claim family's rule, under the suite's own n and the spread seen.

The family rule (`claims.family_verdict`): reproduced iff every decidable cell is (each at its own alpha, no
correction), not reproduced iff some cell's "not reproduced" survives Holm. Whatever the dependence between cells:

- false "not reproduced" where the claim holds at the boundary (theta = delta_0 in every cell) <= alpha, since Holm
  controls the family-wise error of the tests against the claim, provided every cell has such a test (`p_against`);
- false "reproduced" where the claim fails (theta <= 0, or outside the band, in some cell) <= alpha, since that
  cell's own level-alpha test must pass (an intersection-union test), provided every cell's "reproduced" rests on one;
- power at the paper's effect (every decidable cell at it): between max(0, 1 - sum(1 - power_i)) (Bonferroni) and
  min(power_i). Each cell's power is taken at the spread's upper 80% confidence limit (a chi-square limit on the
  seeds' SD), by normal-theory formulas for the t-based forms; a cell with no paper effect on our scale, or a form
  with no sampling model, has none.

`tests/test_operating.py` simulates the cell rules at their boundaries (correlated cells included) and checks the
error rates these bounds state.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from replications import claims

COLUMNS = {
    "paper": "the paper", "family": "the claim family", "cells": "its cells", "decidable_cells": "its measured cells whose test could run",
    "forms": "the statistical forms of its cells' decisions (claims.test_kind)",
    "false_not_reproduced_at_boundary": "bound on P(family reads not reproduced) where the claim holds at its smallest effect that counts",
    "false_reproduced_at_no_effect": "bound on P(family reads reproduced) where the claim fails in some cell",
    "power_low": "P(family reads reproduced) at the paper's effect, lower bound (Bonferroni over cells)",
    "power_high": "the same, upper bound (the weakest cell's power); spread at its upper 80% limit",
    "cells_with_power": "cells whose power could be computed (a paper effect on our scale and a sampling model)",
    "seeds_needed": "the largest cell's seeds per group for 80% power at the paper's effect (else its threshold)",
}
SPREAD_CONFIDENCE = 0.8  # the spread's upper confidence limit the power is computed at
CONTROLLED = "<= {alpha:g} (any dependence)"


def spread_upper_factor(n: int, confidence: float = SPREAD_CONFIDENCE) -> float:
    """The factor from the seeds' SD to its upper `confidence` limit: sqrt((n - 1) / chi2_{1 - confidence, n - 1})."""
    if n < 2:
        return float("nan")
    return float(np.sqrt((n - 1) / stats.chi2.ppf(1 - confidence, n - 1)))


def cell_standard_error(row) -> float:
    """The standard error behind a t-based cell's (1 - 2 alpha) interval, with n - 1 degrees of freedom."""
    df = row.n_seeds - 1
    if not (df >= 1 and np.isfinite(row.alpha) and np.isfinite(row.effect_low) and np.isfinite(row.effect_high)):
        return float("nan")
    return float((row.effect_high - row.effect_low) / (2 * stats.t.ppf(1 - row.alpha, df)))


def claimed_value(row) -> float:
    """The value the paper claims on the cell's scale: its effect where it gives one; for an equivalence or a band,
    its centre (0 for a margin around no difference, the band's middle, or 0 beside a one-sided band's edge)."""
    if np.isfinite(row.paper_effect):
        return float(row.paper_effect)
    if row.test_kind in (claims.TOST, claims.TOST_PER_POINT):
        return 0.0
    if row.test_kind == claims.T_INTERVAL:
        low, high = _band(row)
        return (low + high) / 2 if np.isfinite(low) and np.isfinite(high) else 0.0
    return float("nan")


def _band(row) -> tuple[float, float]:
    """A band cell's edges, from its rule text ('within [low, high]', as `claims.interval_row` writes it)."""
    match = re.search(r"within \[([-+.\deinf]+), ([-+.\deinf]+)\]", row.rule) if row.test_kind == claims.T_INTERVAL else None
    return (float(match.group(1)), float(match.group(2))) if match else (float("nan"), float("nan"))


def cell_power(row) -> float:
    """P(the cell reads "reproduced") if the truth is the paper's claimed value, with the spread at its upper 80% limit."""
    se = cell_standard_error(row) * spread_upper_factor(row.n_seeds)
    return power(row.test_kind, row.alpha, row.n_seeds - 1, se, claimed_value(row), row.threshold, _band(row))


def power(kind: str, alpha: float, df: int, se: float, value: float, threshold: float = float("nan"),
          band: tuple[float, float] = (float("nan"), float("nan"))) -> float:
    """P("reproduced") of a cell rule of form `kind` at the true value `value`, standard error `se`, df degrees of
    freedom: the one-sided t test of theta > 0 (noncentral t); TOST within +-|threshold| and a t interval inside
    `band` (the interval inside its bounds, averaged over the spread's sampling). Exact for normal data; NaN otherwise."""
    if not (np.isfinite(se) and se > 0 and np.isfinite(value) and df >= 1):
        return float("nan")
    critical = stats.t.ppf(1 - alpha, df)
    if kind == claims.ONE_SIDED_T:
        # Not statsmodels' TTestPower().power(value / se, 1, alpha, df=df): its critical t.isf(alpha) differs from
        # t.ppf(1 - alpha) in the last bits (all of 2,000 random cells), and so does its power on 1,665 of them
        return float(stats.nct.sf(critical, df, value / se))
    if kind in (claims.TOST, claims.TOST_PER_POINT):
        return _interval_inside(-abs(threshold), abs(threshold), value, se, critical, df)
    if kind == claims.T_INTERVAL:
        return _interval_inside(*band, value, se, critical, df)
    return float("nan")


def _interval_inside(low: float, high: float, value: float, se: float, critical: float, df: int, points: int = 400) -> float:
    """P(low <= d - critical * s and d + critical * s <= high), d ~ N(value, se^2), s^2 ~ se^2 chi2_df / df independent:
    the chance a (1 - 2 alpha) t interval lies inside [low, high], averaged over the spread's own sampling (quantiles)."""
    scales = se * np.sqrt(stats.chi2.ppf((np.arange(points) + 0.5) / points, df) / df)
    upper = stats.norm.cdf((high - critical * scales - value) / se) if np.isfinite(high) else 1.0
    lower = stats.norm.cdf((low + critical * scales - value) / se) if np.isfinite(low) else 0.0
    return float(np.mean(np.clip(upper - lower, 0.0, None)))


def family_characteristics(cells: pd.DataFrame) -> dict[str, object]:
    """One family's operating characteristics (see the module's docstring), from its final claim rows."""
    rows = [row for row in cells.itertuples() if claims.decidable(row)]
    alpha = max((row.alpha for row in rows if np.isfinite(row.alpha)), default=float("nan"))
    no_test_against = [row.claim_id for row in rows if not np.isfinite(row.p_against)]
    no_level = [row.claim_id for row in rows if not (np.isfinite(row.alpha) and _text(row.test_kind))]
    powers = [cell_power(row) for row in rows]
    known = [power for power in powers if np.isfinite(power)]
    complete = bool(rows) and len(known) == len(rows)
    needed = [row.n_needed for row in rows if np.isfinite(row.n_needed)]
    return {
        "paper": cells["paper"].iloc[0], "family": cells["family"].iloc[0], "cells": len(cells), "decidable_cells": len(rows),
        "forms": ", ".join(sorted({_text(row.test_kind) or "fixed rule" for row in rows})) or "-",
        "false_not_reproduced_at_boundary": (CONTROLLED.format(alpha=alpha) if rows and not no_test_against
                                             else f"not controlled ({len(no_test_against)} cell(s) with no test against the claim)" if rows else "-"),
        "false_reproduced_at_no_effect": (CONTROLLED.format(alpha=alpha) if rows and not no_level
                                          else f"not controlled ({len(no_level)} cell(s) decided by a fixed rule)" if rows else "-"),
        "power_low": max(0.0, 1 - sum(1 - power for power in known)) if complete else float("nan"),
        "power_high": min(known) if complete else float("nan"),
        "cells_with_power": len(known),
        "seeds_needed": max(needed) if needed else float("nan"),
    }


def characteristics_table(claims_frame: pd.DataFrame) -> pd.DataFrame:
    """Every family's operating characteristics, in the claims' order."""
    return pd.DataFrame([family_characteristics(cells) for _, cells in claims_frame.groupby(["paper", "family"], sort=False)])


def _text(value) -> str:
    return value if isinstance(value, str) else ""
