"""Train the same runs on one device and under MirroredStrategy over two logical CPUs; print both as JSON.

Run in its own process: logical devices must be set up before TensorFlow starts.
"""

import json
import sys

import keras
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from replications.data import load_dataset  # noqa: E402
from replications.models import build_model  # noqa: E402
from replications.schedules import Budget, Phase, Schedule  # noqa: E402
from replications.training import make_optimizer, train  # noqa: E402

dataset = load_dataset("mnist1d", num_samples=300, test_fraction=0.2, split_seed=0)  # 240 training examples
schedule = Schedule((Phase(0, 0.05, 16), Phase(1, 0.05, 80)))  # both split evenly over 2 replicas
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])  # one per process: collectives share keys
results = {}
for model_config in ({"name": "shallow", "hidden_units": 16}, {"name": "wide_resnet", "depth": 10, "width_factor": 1, "ghost_batch_size": 8}):
    for mode in ("single", "mirrored"):
        strategy = mirrored if mode == "mirrored" else None
        keras.utils.set_random_seed(0)
        with strategy.scope() if strategy else tf.device("/cpu:0"):
            model = build_model(model_config, dataset.input_shape, dataset.num_classes)
            optimizer = make_optimizer({"name": "sgd", "learning_rate": 0.05, "momentum": 0.9})
        result = train(model, optimizer, dataset, schedule, Budget(max_epochs=2), seed=0, strategy=strategy)
        weights = np.concatenate([variable.numpy().ravel() for variable in model.trainable_variables])
        results[f"{model_config['name']}/{mode}"] = {
            "train_loss": result.history["train_loss"].tolist(),
            "updates": result.history["updates"].tolist(),
            "replicas": strategy.num_replicas_in_sync if strategy else 1,
            "weights_norm": float(np.linalg.norm(weights)),
        }
json.dump(results, sys.stdout)
