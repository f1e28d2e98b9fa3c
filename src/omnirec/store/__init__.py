"""The feature store: a small Protocol per concern (FeatureStore their union), one wrapper, backends by URL."""
