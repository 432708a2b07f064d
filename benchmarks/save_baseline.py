"""Keep a finished run's job-seconds per rule as the baseline a later run is compared with (config `benchmarks.baseline`).

    python benchmarks/save_baseline.py results/quick/rule_benchmarks benchmarks/baselines/quick.json

Compare speed only on one machine in one session: save the baseline from a run of the code as you find it, make the
change, run again on the same machine, then `snakemake report` shows both in benchmarks.md.
"""

import argparse
from pathlib import Path

from replications.provenance import git_commit, save_baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rule_benchmarks", type=Path, help="the run's results/<scale>/rule_benchmarks")
    parser.add_argument("output", type=Path, help="the JSON file to write")
    parser.add_argument("--repository", type=Path, default=Path("."), help="the checkout that made the run (its commit is recorded)")
    parser.add_argument("--note", default="", help="what a reader should know of the run (the machine, the session); benchmarks.md prints it")
    arguments = parser.parse_args()
    save_baseline(arguments.rule_benchmarks, arguments.output, git_commit(arguments.repository), arguments.note)
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    main()
