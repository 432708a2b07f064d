"""Batch-size science beyond the three papers: throughput, gradient noise, noise scale, steps to target, regimes."""
