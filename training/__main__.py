"""``python -m training`` = ``guidance train``."""

from __future__ import annotations

import argparse
import sys

from training.cli import add_train_arguments, train_command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training", description="same as guidance train"
    )
    add_train_arguments(parser)
    args = parser.parse_args(argv)

    return train_command(args)


if __name__ == "__main__":
    sys.exit(main())
