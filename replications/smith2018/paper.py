"""Smith et al. 2018's CIFAR-10 protocol and numbers (see ../shared/papers.md; some unverified)."""

PAPER = "Smith et al. 2018"
TITLE = "Smith, Kindermans, Ying & Le 2018, Don't Decay the Learning Rate, Increase the Batch Size"

# The CIFAR-10 protocol, for computing its update counts exactly with our schedule arithmetic.
PROTOCOL = {
    "num_train": 50_000,
    "epochs": 200,
    "step_epochs": (60, 120, 160),
    "factor": 5,
    "initial_batch_size": 128,
    "max_batch_size": 5_120,  # about N/10
    "learning_rate": 0.1,
}

# Parameter updates as reported (secondary summaries) and by a PyTorch reproduction (WRN-16-4).
UPDATES = {
    "decaying_learning_rate": "~80,000 (reproduction: 78,200)",
    "increasing_batch_size": "~29,000 (reproduction: 29,480)",
    "increased_learning_rate": "~6,500",
    "increased_momentum": "< 2,500",
}
ACCURACY = {  # test accuracy, percent (secondary summaries)
    "decaying_learning_rate": 94.3,
    "increasing_batch_size": 94.4,
    "increased_learning_rate": 94.5,
    "increased_momentum": 93.3,
}
# The variants' changes to the protocol (Fig. 6): B proportional to the learning rate, and to 1 / (1 - momentum).
VARIANTS = {
    "increased_learning_rate": {"learning_rate": 0.5, "initial_batch_size": 640},
    "increased_momentum": {"learning_rate": 0.5, "momentum": 0.98, "initial_batch_size": 3_200},
}
