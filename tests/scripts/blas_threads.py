"""Prints the thread count of NumPy's BLAS, for the job-server tests."""

import numpy
from threadpoolctl import threadpool_info

numpy.ones(2) @ numpy.ones(2)  # loads the BLAS

print("blas threads", max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
