"""command-center: the enforcement command centre's terminal dashboard."""

__version__ = "0.1.0"
