"""The claims table: ``claims.csv`` and ``claims.md``."""

import csv
import math
from pathlib import Path


def _format_number(value, digits=6):
    """An integer as such, anything else with ``digits`` significant digits."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{digits}g}"


def _markdown_cell(text):
    """``text`` with the pipes that would end a Markdown table cell escaped."""
    return text.replace("|", "\\|")


def format_measured(measured):
    """``name=value`` pairs separated by ``"; "``, as in ``claims.csv``.

    Parameters
    ----------
    measured : dict
        Names to numbers.

    Returns
    -------
    text : str
    """
    return "; ".join(f"{k}={_format_number(v)}" for k, v in measured.items())


def parse_measured(text):
    """The inverse of :func:`format_measured`: names to floats.

    Parameters
    ----------
    text : str
        A ``measured`` cell of ``claims.csv``.

    Returns
    -------
    measured : dict
    """
    pairs = (item.split("=", 1) for item in text.split("; ") if item)
    return {name: float(value) for name, value in pairs}


CSV_COLUMNS = (
    "claim",
    "figure",
    "statement",
    "measured",
    "criterion",
    "passed",
    "note",
)


def write_table(rows, directory, caption=""):
    """Write ``claims.csv`` and ``claims.md`` into ``directory``.

    ``claims.csv`` has the columns :data:`CSV_COLUMNS`: ``measured`` holds
    :func:`format_measured` pairs (six significant digits), ``passed`` is
    ``pass`` or ``FAIL``. ``claims.md`` is the same table in Markdown (five
    significant digits), followed by ``caption``.

    Parameters
    ----------
    rows : list of ClaimRow
        One per claim.
    directory : pathlib.Path
        Where to write.
    caption : str, default=""
        A line below the Markdown table (for instance how the run was made).

    Returns
    -------
    paths : list of pathlib.Path
        The two files.
    """
    csv_path, md_path = directory / "claims.csv", directory / "claims.md"
    with csv_path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row.claim,
                    f"{row.claim}.png",
                    row.statement,
                    format_measured(row.measured),
                    row.criterion,
                    "pass" if row.passed else "FAIL",
                    row.note,
                ]
            )
    lines = [
        "| claim | figure | what is claimed | measured | criterion | result |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        measured = "<br>".join(
            f"{name.replace('_', ' ')}: {_format_number(value, 5)}"
            for name, value in row.measured.items()
        )
        if row.note:
            measured += f"<br>*{row.note}*"
        cells = [
            row.claim,
            # "./" marks the link as relative to this file, also where the
            # documentation includes the table
            f"[{row.claim}.png](./{row.claim}.png)",
            _markdown_cell(row.statement),
            _markdown_cell(measured),
            _markdown_cell(row.criterion),
            "pass" if row.passed else "**FAIL**",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if caption:
        lines += ["", caption]
    md_path.write_text("\n".join(lines) + "\n")
    return [csv_path, md_path]


def read_table(path):
    """Read ``claims.csv`` back: one dict per claim, ``measured`` parsed.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``claims.csv`` file.

    Returns
    -------
    rows : dict
        Claim name to its row (a dict of the columns; ``measured`` as a dict
        of floats, ``passed`` as a bool).
    """
    with Path(path).open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {
        row["claim"]: {
            **row,
            "measured": parse_measured(row["measured"]),
            "passed": row["passed"] == "pass",
        }
        for row in rows
    }
