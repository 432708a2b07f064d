"""Smith, Kindermans, Ying & Le 2018: don't decay the learning rate, increase the batch size."""
