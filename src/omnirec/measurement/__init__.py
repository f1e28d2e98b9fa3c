"""Measurement: impressions, experiments, cross-channel attribution, off-policy evaluation and reports."""
