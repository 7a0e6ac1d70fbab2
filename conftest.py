"""pytest runs the doctests of docs/*.md (``--doctest-glob``); the Sphinx
configuration and the pages a documentation build generates are not tests.

It sits at the root rather than in docs/ because tests/ imports its own
``conftest`` by name, which a second ``conftest`` module would shadow.
"""

collect_ignore = ["docs/conf.py"]
collect_ignore_glob = [
    "docs/_build",
    "docs/auto_examples",
    "docs/generated",
    "docs/_templates",
]
