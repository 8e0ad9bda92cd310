"""Label-free pretraining of the backbone (masked image modelling), the start of every method's fine-tuning."""
