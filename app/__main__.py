"""``python -m app [--host H] [--port P] [--debug]``; ``PORT`` in the environment also works."""

from __future__ import annotations

import argparse
import os

from app.main import create_app


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app", description="Serve Descent, the loss-landscape lab."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    create_app().run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
