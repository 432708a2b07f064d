"""A small seeded training for the job-server tests: prints a digest of its history; `--exit N` exits with N after."""

import argparse
import hashlib
import sys

import keras

from replications.command_line import setup_logging
from replications.data import load_dataset
from replications.models import build_model
from replications.schedules import Budget, Schedule
from replications.training import configure_runtime, make_optimizer, train

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--exit", type=int, default=0)
parser.add_argument("--sleep", type=float, default=0.0)
arguments = parser.parse_args()
setup_logging()
configure_runtime(1)
dataset = load_dataset("mnist1d", num_samples=300, test_fraction=0.2, split_seed=0)
keras.utils.set_random_seed(0)
model = build_model({"name": "f1", "width": 32, "depth": 1}, dataset.input_shape, dataset.num_classes)
result = train(model, make_optimizer({"name": "adam", "learning_rate": 1e-3}), dataset, Schedule.constant(1e-3, 32),
               Budget(max_epochs=arguments.epochs), seed=0)
print("history", hashlib.sha256(result.history.drop(columns="wall_seconds").to_csv().encode()).hexdigest())
print("to stderr", file=sys.stderr)
if arguments.sleep:
    import time

    print("sleeping", flush=True)
    time.sleep(arguments.sleep)
sys.exit(arguments.exit)
