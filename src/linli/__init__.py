"""Linli (邻里): the urban-rural community service platform of a county or prefecture."""

__version__ = "0.1.0"
