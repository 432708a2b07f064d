"""Download and prepare, once, every data set the config names that needs a download (tensorflow-datasets, UCI).

  python -m replications.prepare_data --merged-config results/paper/config.resolved.yaml --output results/paper/data/prepared.txt

The workflow runs this on the machine Snakemake runs on (a cluster's login node usually has internet, its
compute nodes often not); the training jobs only read what it prepared. Offline sets need nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from replications.command_line import base_parser, load_checked_config
from replications.data import downloaded_sets, prepare

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = base_parser("Download and prepare the data sets the config names, once, for every job")
    parser.add_argument("--output", required=True, help="a text file: one line per prepared set and where it lies")
    arguments = parser.parse_args(argv)
    config = load_checked_config(arguments)
    lines = []
    for data_config in downloaded_sets(config):
        logger.info("preparing %s", data_config)
        lines.append(prepare(data_config))
        logger.info("ready: %s", lines[-1])
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.output).write_text("".join(f"{line}\n" for line in lines) or "nothing to download\n")


if __name__ == "__main__":
    main()
