"""The documentation site builds with warnings as errors and shows every public
name, the objectives, the guide's sections, the gallery and the benchmarks.

The build runs on a copy of ``docs/``, ``examples/`` and ``README.md`` so that
the pages Sphinx generates never land in the checkout, and without running
the examples (``-D plot_gallery=0``): ``tests/test_examples.py`` runs them.
"""

import html
import inspect
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

for _module in ["sphinx", "numpydoc", "sphinx_gallery", "myst_parser"]:
    pytest.importorskip(_module)

import skprune  # noqa: E402
import skprune.datasets  # noqa: E402
import skprune.plotting  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ["_build", "auto_examples", "generated", "sg_execution_times.rst"]


def sphinx_build(source, output, *options):
    """``python -m sphinx -W -b html`` as the README gives it, quietly."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q"]
    command += ["-b", "html", *options, str(source), str(output)]
    environment = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site: its output directory."""
    copy = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", *GENERATED)
    shutil.copytree(ROOT / "docs", copy / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", copy / "examples", ignore=ignore)
    shutil.copy(ROOT / "README.md", copy / "README.md")
    output = copy / "html"
    result = sphinx_build(copy / "docs", output, "-D", "plot_gallery=0")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr
    return output


def page(site, name):
    """The HTML of a built page."""
    path = site / name
    assert path.is_file(), f"{name} was not built"
    return path.read_text(encoding="utf-8")


def text(markup):
    """What a reader sees of ``markup``: no tags, entities decoded, one space
    between words."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def public_functions(module):
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__ == module.__name__
    ]


def test_every_public_name_has_an_api_page(site):
    names = [f"skprune.{name}" for name in skprune.__all__]
    for module in [skprune.datasets, skprune.plotting]:
        functions = public_functions(module)
        assert functions, module
        names += [f"{module.__name__}.{name}" for name in functions]
    api = page(site, "api.html")
    for name in names:
        markup = page(site, f"generated/{name}.html")
        assert f'id="{name}"' in markup, name
        assert f"generated/{name}.html" in api, name


@pytest.mark.parametrize(
    "estimator",
    [
        "GroupLassoMatrixSensing",
        "GroupLassoMatrixSensingCV",
        "QuadraticNetPruner",
        "QuadraticNetPrunerCV",
    ],
)
def test_estimator_pages_state_the_objective_and_the_methods(site, estimator):
    html_page = page(site, f"generated/skprune.{estimator}.html")
    assert f'id="skprune.{estimator}"' in html_page
    if estimator.endswith("CV"):
        # the CV estimators link to their base's objective and choose alpha
        base = estimator.removesuffix("CV")
        assert f'href="skprune.{base}.html#skprune.{base}"' in html_page
        assert "lambda = alpha * lambda_max_" in text(html_page)
        assert "mse_path_" in html_page and "selection_rule" in html_page
    else:
        # the objective with its constants, typeset from the docstring
        assert r"\frac{1}{2n}" in html_page
        assert r"\beta_{\mathrm{abs}}" in html_page
    assert "lambda_max_" in html_page
    for method in ["fit", "prune", "refit", "predict", "get_params"]:
        assert f'id="skprune.{estimator}.{method}"' in html_page, method
    for section in ["Parameters :", "Attributes :", "References", "Examples"]:
        assert section in text(html_page), section


def test_landing_page_guide_gallery_and_benchmarks(site):
    index = page(site, "index.html")
    # the two commands of the README, and the picture
    assert "pip install . && python -m skprune demo" in text(index)
    assert 'pip install -e ".[test]" && python -m pytest -q' in text(index)
    assert "norms.png" in index
    assert (site / "_images" / "norms.png").is_file()

    guide = text(page(site, "guide.html"))
    for topic in [
        "The penalty",
        "Scale-aware constants",
        "The defaults.",
        "Pruning",
        "converged",
        "Threads.",
        "Memory.",
        "When to use them.",
    ]:
        assert topic in guide, topic

    examples = sorted(path.stem for path in (ROOT / "examples").glob("plot_*.py"))
    assert examples
    gallery = page(site, "auto_examples/index.html")
    for example in examples:
        assert f"{example}.html" in gallery
        page(site, f"auto_examples/{example}.html")

    benchmarks = text(page(site, "benchmarks.html"))
    # the README's Speed tables and the guide's model-selection table
    for header in [
        "time / skprune",
        "peak extra during fit",
        "2 threads, idle",
        "alpha chosen (CV / grid)",
    ]:
        assert header in benchmarks, header


BROKEN_MODULE = '''
def documented(x):
    """Return ``x``.

    Parameters
    ----------
    x : float
        A number.

    Returns
    -------
    float
        ``x``.
    """
    return x


def broken_rest(x):
    """Return ``x``.

    Parameters
    ----------
    x : float
        A number with *unclosed emphasis.

    Returns
    -------
    float
        ``x``.
    """
    return x


def missing_parameter(x, y):
    """Return ``x``.

    Parameters
    ----------
    x : float
        A number.

    Returns
    -------
    float
        ``x``.
    """
    return x
'''


def test_a_broken_docstring_fails_the_build(tmp_path, monkeypatch):
    """A tiny project with the docstring settings of docs/conf.py: invalid
    reST in a docstring, or one that numpydoc's validation rejects, fails the
    ``-W`` build and is named; a valid docstring is not."""
    with monkeypatch.context() as patch:  # conf.py edits sys.path and MPLBACKEND
        patch.setattr(sys, "path", list(sys.path))
        patch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
        settings = runpy.run_path(str(ROOT / "docs" / "conf.py"))
    extensions = [
        name for name in settings["extensions"] if name != "sphinx_gallery.gen_gallery"
    ]
    options = {
        name: value
        for name, value in settings.items()
        if name.startswith(("numpydoc_", "autodoc_"))
    }
    project = tmp_path / "project"
    project.mkdir()
    (project / "brokendocs.py").write_text(BROKEN_MODULE)
    (project / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(project)!r})\n"
        f"extensions = {extensions!r}\n"
        + "".join(f"{name} = {value!r}\n" for name, value in options.items())
    )
    (project / "index.rst").write_text(
        "Broken\n======\n\n"
        + "".join(
            f".. autofunction:: brokendocs.{name}\n\n"
            for name in ["documented", "broken_rest", "missing_parameter"]
        )
    )
    result = sphinx_build(project, tmp_path / "html")
    assert result.returncode != 0
    assert "broken_rest" in result.stderr and "emphasis" in result.stderr
    assert "missing_parameter" in result.stderr and "PR01" in result.stderr
    assert "brokendocs.documented" not in result.stderr
