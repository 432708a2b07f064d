"""Prints the thread count of NumPy's BLAS, for the job-server tests."""

import numpy  # noqa: F401 - loads the BLAS
from threadpoolctl import threadpool_info

print("blas threads", max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"))
