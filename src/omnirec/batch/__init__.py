"""Batch exports for other systems: recommendations and offers for email, the event log for training, erasures."""
