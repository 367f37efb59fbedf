"""The command line: ``python -m checker COMMAND``, one module per command, over ``checker.api``."""
