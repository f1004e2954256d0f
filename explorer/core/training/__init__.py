"""Training: the training loop, its configuration, and snapshots of a run."""
