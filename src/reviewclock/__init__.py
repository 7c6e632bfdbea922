"""reviewclock: the statutory clock for child safeguarding case reviews in England."""

__version__ = "0.1.0"
