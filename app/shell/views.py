"""The views the shell shows, in the order of the mode switch. Adding a view is one package (with
``MODE``, ``TITLE``, ``sidebar``, ``panel``, ``bottom`` and ``register``, like these) and one entry here.
"""

from app import compare, explore, maps, networks

VIEWS = (explore, compare, maps, networks)
