"""Domain service layer of the API: use cases over the feature store; no HTTP types here."""
