"""Keskar et al. 2017, On Large-Batch Training for Deep Learning: Generalization Gap and Sharp Minima."""
