"""The clinical core's one exception: input that is contradictory or out of range."""


class InvalidInput(ValueError):
    """An input value that no patient can have (e.g. ECOG 7); never raised for missing data."""
