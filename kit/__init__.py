"""Working Backwards Kit: work back from the outcome before anyone trains or prompts a model."""

__version__ = "0.1.0"
