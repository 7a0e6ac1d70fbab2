"""Sphinx configuration of the skprune documentation.

Build the site, warnings as errors, with::

    python -m sphinx -W -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (the gallery then shows their
code and text without figures; ``tests/test_docs.py`` builds that way).
"""

import os
import sys
from pathlib import Path

# Sphinx-Gallery renders the figures with matplotlib's Agg backend; set it
# before anything imports pyplot.
os.environ.setdefault("MPLBACKEND", "Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout next to this file, whether or not it is installed.
sys.path.insert(0, str(ROOT))

import skprune  # noqa: E402

project = "skprune"
author = "the skprune developers"
copyright = "the skprune developers"  # noqa: A001
version = release = skprune.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
# reproduce/claims.md is included by reproduce.md, not a page of its own
exclude_patterns = ["_build", "reproduce/claims.md"]
templates_path = ["_templates"]

# -- API reference -----------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections state every type
numpydoc_show_class_members = False  # the class template documents the methods
numpydoc_class_members_toctree = False
# Every numpydoc check but these runs on each docstring the site shows; with
# ``-W`` a docstring that fails one (or is not valid reST) fails the build.
numpydoc_validation_checks = {
    "all",
    "ES01",  # an extended summary: short methods need none
    "EX01",  # an Examples section: the classes have them, not every method
    "PR04",  # a type for every parameter: CV estimators refer to their base's
    "RT02",  # "self : object", as scikit-learn writes it
    "RT03",  # a description for every returned value
    "SA01",  # a See Also section
}
# Only skprune's own docstrings are checked, not scikit-learn's inherited ones.
numpydoc_validation_exclude = {
    r"\.get_metadata_routing$",
    r"\.get_params$",
    r"\.set_params$",
    r"\.set_\w+_request$",
    r"\.score$",
    r"\.__sklearn_tags__$",
}

# -- Markdown (the user guide, the README parts it includes) ------------------
myst_heading_anchors = 3  # "guide.md#9-choosing-alpha-..." links resolve

# -- Gallery -----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": str(DOCS / "auto_examples"),
    "filename_pattern": r"/plot_",
    # every figure open at the end of a code block, rendered with Agg; the
    # examples' final show_or_save() then finds none left to show
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skprune",),
    "backreferences_dir": str(DOCS / "generated" / "backreferences"),
    "reference_url": {"skprune": None},
    "show_memory": False,
    "abort_on_example_error": True,
    "write_computation_times": False,  # no timing page in the source tree
}

# -- HTML --------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skprune {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
# pages without sub-pages need no navigation sidebar
html_sidebars = {"index": [], "guide": [], "benchmarks": []}
html_show_sourcelink = False
html_copy_source = False
