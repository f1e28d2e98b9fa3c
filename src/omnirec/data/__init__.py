"""Input data: the events / items / users files, their validation and the synthetic sample retailer."""
