"""omnirec: omnichannel recommendation and personalization service."""

__version__ = "0.1.0"
