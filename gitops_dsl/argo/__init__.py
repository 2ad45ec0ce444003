"""Typed Argo CD resources and their converter to plain data."""
from .convert import to_data as to_data
from .resources import *
