"""Reproducible replications of batch-size papers: shared core (data, models, training, claims, report)."""

import os

# TensorFlow's C++ start-up chatter (oneDNN, CUDA probing) hides our progress lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
