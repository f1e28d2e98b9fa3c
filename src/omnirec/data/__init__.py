"""Input data: the events / items / users files (the input contract), their reading and validation."""
