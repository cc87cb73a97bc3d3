"""lint-env: finds why a Python ML environment will not work on a target, before pip does."""

__version__ = "0.1.0"
