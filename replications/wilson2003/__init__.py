"""Wilson & Martinez 2003, The general inefficiency of batch training for gradient descent learning."""
