"""Next-best-offer: the offer catalogue file, eligibility rules, caps and budgets, bandit ranking, feedback."""
