"""Keskar et al. 2017's published numbers (see ../shared/papers.md)."""

# Table 2: accuracy in % as (mean, std), keyed by network then column.
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
