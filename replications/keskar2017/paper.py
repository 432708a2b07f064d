"""Keskar et al. 2017's published numbers (see ../shared/papers.md)."""

# Table 2: accuracy in % as (mean, std) over TRIALS runs from different random starts, keyed by network then column.
TRIALS = 5
TABLE2 = {
    "F1": {"train_SB": (99.66, 0.05), "train_LB": (99.92, 0.01), "test_SB": (98.03, 0.07), "test_LB": (97.81, 0.07)},
    "F2": {"train_SB": (99.99, 0.03), "train_LB": (98.35, 2.08), "test_SB": (64.02, 0.2), "test_LB": (59.45, 1.05)},
    "C1": {"train_SB": (99.89, 0.02), "train_LB": (99.66, 0.2), "test_SB": (80.04, 0.12), "test_LB": (77.26, 0.42)},
    "C2": {"train_SB": (99.99, 0.04), "train_LB": (99.99, 0.01), "test_SB": (89.24, 0.12), "test_LB": (87.26, 0.07)},
    "C3": {"train_SB": (99.56, 0.44), "train_LB": (99.88, 0.30), "test_SB": (49.58, 0.39), "test_LB": (46.45, 0.43)},
    "C4": {"train_SB": (99.10, 1.23), "train_LB": (99.57, 1.84), "test_SB": (63.08, 0.5), "test_LB": (57.81, 0.17)},
}

TITLE = "Keskar et al. 2017, On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima"
PAPER = "Keskar et al. 2017"

# Tables 3 (full space) and 4 (random subspace, p = 100): sharpness (mean, std) as {(space, epsilon): {regime: ...}}.
SHARPNESS = {
    "F1": {("full", 1e-3): {"SB": (1.23, 0.83), "LB": (205.14, 69.52)}, ("full", 5e-4): {"SB": (0.61, 0.27), "LB": (42.90, 17.14)},
           ("subspace", 1e-3): {"SB": (0.11, 0.00), "LB": (9.22, 0.56)}, ("subspace", 5e-4): {"SB": (0.05, 0.00), "LB": (9.17, 0.14)}},
    "F2": {("full", 1e-3): {"SB": (1.39, 0.02), "LB": (310.64, 38.46)}, ("full", 5e-4): {"SB": (0.90, 0.05), "LB": (93.15, 6.81)},
           ("subspace", 1e-3): {"SB": (0.29, 0.02), "LB": (23.63, 0.54)}, ("subspace", 5e-4): {"SB": (0.05, 0.00), "LB": (6.28, 0.19)}},
    "C1": {("full", 1e-3): {"SB": (28.58, 3.13), "LB": (707.23, 43.04)}, ("full", 5e-4): {"SB": (7.08, 0.88), "LB": (227.31, 23.23)},
           ("subspace", 1e-3): {"SB": (2.18, 0.23), "LB": (137.25, 21.60)}, ("subspace", 5e-4): {"SB": (0.71, 0.15), "LB": (29.50, 7.48)}},
    "C2": {("full", 1e-3): {"SB": (8.68, 1.32), "LB": (925.32, 38.29)}, ("full", 5e-4): {"SB": (2.07, 0.86), "LB": (175.31, 18.28)},
           ("subspace", 1e-3): {"SB": (0.95, 0.34), "LB": (25.09, 2.61)}, ("subspace", 5e-4): {"SB": (0.31, 0.08), "LB": (5.82, 0.52)}},
    "C3": {("full", 1e-3): {"SB": (29.85, 5.98), "LB": (258.75, 8.96)}, ("full", 5e-4): {"SB": (8.56, 0.99), "LB": (105.11, 13.22)},
           ("subspace", 1e-3): {"SB": (17.02, 2.20), "LB": (236.03, 31.26)}, ("subspace", 5e-4): {"SB": (4.03, 1.45), "LB": (86.96, 27.39)}},
    "C4": {("full", 1e-3): {"SB": (12.83, 3.84), "LB": (421.84, 36.97)}, ("full", 5e-4): {"SB": (4.07, 0.87), "LB": (109.35, 16.57)},
           ("subspace", 1e-3): {"SB": (6.05, 1.13), "LB": (72.99, 10.96)}, ("subspace", 5e-4): {"SB": (1.89, 0.33), "LB": (19.85, 4.12)}},
}

# ||x_SB - x0|| / ||x_LB - x0|| reported in the text (Section 4).
DISTANCE_RATIO_RANGE = (3.0, 10.0)
