"""The one thing pyproject.toml cannot say: the explorer's optional C loop (checker/search/_native.c).

``optional=True``: where no C compiler is found the package installs without it, and the
explorer runs its Python loop, which gives the same results more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("checker.search._native", ["checker/search/_native.c"], optional=True)])
