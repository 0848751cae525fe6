"""Slipway runs one file: `from . import x` in this docstring is only words, the import below is not."""
from .helper import greet

print(greet())
