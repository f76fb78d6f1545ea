"""The merge, as a docs owner would do it: small pure functions over units with line spans."""
