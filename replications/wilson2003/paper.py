"""Wilson & Martinez 2003's setup and numbers (see ../shared/papers.md; mostly unverified)."""

PAPER = "Wilson & Martinez 2003"
SECONDARY = "a secondary summary, not the paper's text"
TITLE = "Wilson & Martinez 2003, The general inefficiency of batch training for gradient descent learning"

# Digit speech task (20,000 instances): epochs to the best hold-out accuracy (quoted in seed 004).
DIGIT_EPOCHS = {1: 27, 20_000: 8_343}
BATCH_SIZES = (1, 10, 100, 1_000, 20_000)
LEARNING_RATES = (0.1, 0.01, 0.001, 0.0001)
