"""The version of custdata, read by the build and by ``custdata --version``."""

__version__ = "0.1.0"
