"""Batch exports: recommendations for the email system (and, later, offers and events)."""
