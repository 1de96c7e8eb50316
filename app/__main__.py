"""``python -m app [--host H] [--port P] [--debug [--allow-remote-debug]]``; ``PORT`` also sets the port."""

from __future__ import annotations

import argparse
import ipaddress
import os

REMOTE_DEBUG = (
    "--debug turns on Werkzeug's interactive debugger: anyone who can reach {host} could run Python "
    "on this machine from an error page. Use --debug with --host 127.0.0.1 (the default), or add "
    "--allow-remote-debug if only you can reach this network."
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name, or 0.0.0.0 / :: (every interface)
        return False


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app", description="Serve Descent, the loss-landscape lab."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument("--debug", action="store_true", help="reload on changes, interactive debugger")
    parser.add_argument(
        "--allow-remote-debug",
        action="store_true",
        help="allow --debug with a host other than loopback (a Python console for the network)",
    )
    args = parser.parse_args(argv)
    if args.debug and not is_loopback(args.host) and not args.allow_remote_debug:
        parser.error(REMOTE_DEBUG.format(host=args.host))

    from app.main import create_app  # after the checks: --help and refusals need no app

    create_app().run(host=args.host, port=args.port, debug=args.debug)


if __name__ == "__main__":
    main()
