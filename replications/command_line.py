"""The command-line plumbing every paper's steps share: the parser, the `analyse` step, logging, the config."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from replications.config import ConfigError, load_config


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--config", default="config/quick.yaml", help="YAML config file (default: %(default)s)")
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


def load_checked_config(path: str) -> dict[str, Any]:
    """Load and validate the config; a bad config stops here with its key named, before any work."""
    setup_logging()
    try:
        return load_config(path)
    except ConfigError as error:
        sys.exit(f"error: {error}")  # exit status 1, the message without a traceback
