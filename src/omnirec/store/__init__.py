"""The feature store: one domain-level interface, backends picked by URL."""
