"""The offline trainer: the only code that imports lightfm."""
