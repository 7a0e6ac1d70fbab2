"""The command line: ``python -m skprune {demo,reproduce}``.

``demo`` runs the pipeline on one planted problem (:mod:`skprune.demo`);
``reproduce`` measures the paper's claims and writes figures and a table
(:mod:`skprune.reproduce`).
"""

import argparse


def _add_demo(commands):
    demo = commands.add_parser(
        "demo",
        help="train, prune and fine-tune on a planted problem",
        description="Train, prune and fine-tune GroupLassoMatrixSensing on a "
        "planted low-rank problem, and compare it with a least-squares fit that "
        "knows the rank.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    demo.add_argument(
        "--n-samples", type=int, default=1500, help="number of measurements n"
    )
    demo.add_argument(
        "--n-features", type=int, default=30, help="size d of the d x d matrix"
    )
    demo.add_argument("--rank", type=int, default=3, help="planted rank r")
    demo.add_argument(
        "--n-components",
        type=int,
        default=30,
        help="columns k of the overparameterized factor (an upper bound on r)",
    )
    demo.add_argument(
        "--noise", type=float, default=0.1, help="standard deviation of the noise"
    )
    demo.add_argument(
        "--sensing",
        choices=["gaussian", "rank_one"],
        default="gaussian",
        help="Gaussian matrices A_i, or rank-one x_i x_i^T",
    )
    demo.add_argument("--seed", type=int, default=0, help="seed of data and start")
    return demo


def _add_reproduce(commands):
    reproduce = commands.add_parser(
        "reproduce",
        help="measure the paper's claims; write figures and a table",
        description="Measure the claims of Rajaraman et al. (NeurIPS 2023) on "
        "planted problems: the column norms with and without the penalty, the "
        "error against n, the rate of fine-tuning, rank recovery over a grid and "
        "the quadratic network. Writes norms.png, rate.png, fine_tuning.png, "
        "recovery.png, network.png, claims.csv and claims.md. The full run takes "
        "minutes (it prints its expected duration), --quick seconds.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    reproduce.add_argument(
        "--quick",
        action="store_true",
        help="small problems and few seeds: seconds instead of minutes",
    )
    reproduce.add_argument(
        "--out",
        default="reproduce",
        help="output directory, created if missing",
    )
    reproduce.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="configurations run in parallel with joblib: -1 uses every core, "
        "1 runs in this process; by default -1 for the full run and 1 with "
        "--quick, where starting worker processes costs more than it saves",
    )
    return reproduce


def build_parser():
    """The parser of ``python -m skprune``.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(prog="python -m skprune")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_demo(commands)
    _add_reproduce(commands)
    return parser


def main(argv=None):
    """Run ``python -m skprune`` with ``argv`` (``None``: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after ``python -m skprune``.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import format_report, run_demo

        report = run_demo(
            args.n_samples,
            args.n_features,
            args.rank,
            args.n_components,
            args.noise,
            args.sensing,
            args.seed,
        )
        print(format_report(report))
        return
    from .reproduce import check_requirements, prepare_output, run_reproduction

    if args.n_jobs == 0:
        parser.error("argument --n-jobs: 0 is not a number of jobs; use -1 or >= 1")
    try:
        check_requirements()
        prepare_output(args.out)
    except (ImportError, ValueError) as error:
        parser.error(str(error))
    run_reproduction(args.out, quick=args.quick, n_jobs=args.n_jobs)
