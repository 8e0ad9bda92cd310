"""Loss functions only: each module computes one method's loss from outputs and targets, nothing else."""
