"""The synthetic demo retailer (catalogue, customers, shopping behaviour) and its sample offer file."""
