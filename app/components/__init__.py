"""Pieces placed on the page by several parts of it: the run card (an All-in-One component with its
own ids and MATCH callbacks) and the small controls every form uses."""
