"""The command-line plumbing every paper's steps share: the parser, the `analyse` step, logging, the config."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from replications import job_clock
from replications.config import ConfigError, load_config, read_yaml, validate_config


def base_parser(description: str) -> argparse.ArgumentParser:
    """A step's parser with the two ways to give it a config: a file to merge, or the workflow's merged config."""
    parser = argparse.ArgumentParser(description=description)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--config", default="config/quick.yaml",
        help="a config file, merged onto config/base.yaml and its scale's overlay as Snakemake merges (default: %(default)s)",
    )
    source.add_argument("--merged-config", help="the complete config the workflow merged (results/<scale>/config.resolved.yaml), read as it is")
    return parser


def add_analyse_step(steps: argparse._SubParsersAction, help_text: str, name: str = "analyse") -> argparse.ArgumentParser:
    """The analysis step every paper has (some have several): tables, figures and claim rows into the given places."""
    analyse = steps.add_parser(name, help=help_text)
    analyse.add_argument("--table-dir", required=True)
    analyse.add_argument("--figure-dir", required=True)
    analyse.add_argument("--claims", required=True)
    return analyse


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stdout, force=True)


def load_checked_config(arguments: argparse.Namespace) -> dict[str, Any]:
    """Load and validate the config; a bad config stops here with its key named, before any work."""
    setup_logging()
    try:
        if arguments.merged_config:
            config = validate_config(read_yaml(arguments.merged_config), source=arguments.merged_config)
        else:
            config = load_config(arguments.config)
    except ConfigError as error:
        sys.exit(f"error: {error}")  # exit status 1, the message without a traceback
    job_clock.step_began()
    return config
