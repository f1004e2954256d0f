"""Command line: no subcommand opens the window; subcommands work headless.

`embedding-explorer FILE` opens FILE in the window (what a desktop entry's `Exec=... %f` runs
on a double click): a session, vocabulary, tokenizer, vectors file or `sample:NAME`. A
subcommand's name wins over a file of that name, which is then written `./NAME`."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from explorer import __version__
from explorer.commands import load_commands
from explorer.core import ExplorerError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embedding-explorer",
        usage="%(prog)s [window options] [FILE]\n       %(prog)s SUBCOMMAND ...",
        description="Explore token embeddings: load a vocabulary, initialize, train live, "
                    "project and inspect. With no subcommand, opens the window, with FILE if given: "
                    "a session (.eexp), vocabulary, tokenizer or vectors file, or a bundled sample "
                    "(sample:gpt2, sample:bert, sample:minilm). A file named like a subcommand: ./NAME.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    window = parser.add_argument_group("window options (no subcommand)")
    window.add_argument("--screenshot", metavar="PNG",
                        help="render the window as a user would see it to PNG and exit")
    window.add_argument("--view", choices=("2d", "3d"), default="2d", help="projection view (default 2d)")
    window.add_argument("--size", default="1400x860", metavar="WxH", help="window size (default 1400x860)")
    window.add_argument("--vocab", metavar="FILE",
                        help="open with this vocabulary (word list, corpus, tokenizer, sample:gpt2, sample:bert)")
    window.add_argument("--vectors", metavar="FILE", help="open with these pretrained vectors (or sample:minilm)")
    window.add_argument("--session", metavar="FILE", help="open this saved session")
    window.add_argument("--watch", metavar="RUN",
                        help="follow a training run live as explorer.Run logs it (waits for the file to appear)")
    window.add_argument("--init", metavar="SCHEME", help="initialization scheme (e.g. normal, xavier_uniform)")
    window.add_argument("--dim", type=int, help="embedding dimension for the initialization")
    window.add_argument("--seed", type=int, help="seed for the initialization")
    window.add_argument("--theme", choices=("light", "dark", "high-contrast-light", "high-contrast-dark"),
                        help="colour theme of the window")
    window.add_argument("--present", action="store_true",
                        help="start in presentation mode: full screen, large fonts, panels hidden (F11 leaves)")
    window.add_argument("--tour", metavar="NAME",
                        help="start a concept tour: its number (1-9), name (e.g. why-not-integers) or a tour file")
    window.add_argument("--tour-step", type=int, default=1, metavar="K",
                        help="with --tour: start at step K (1-based; a screenshot shows that step when ready)")
    window.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    subparsers = parser.add_subparsers(dest="command", title="subcommands (headless)", metavar="SUBCOMMAND")
    for module in load_commands():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    parser.set_defaults(open_file=None)  # the window's FILE (subcommands have their own `file`)
    return parser


def _file_argument(parser: argparse.ArgumentParser, argv: list[str]) -> int | None:
    """Where in `argv` the window's FILE is: the first positional argument, unless it names a
    subcommand (argparse alone cannot have both an optional positional and subcommands)."""
    takes_value = {option for action in parser._actions if action.option_strings and action.nargs != 0
                   for option in action.option_strings}
    commands = {module.NAME for module in load_commands()}
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            return i + 1 if i + 1 < len(argv) else None
        if token.startswith("-") and token != "-":
            # `--size 800x600` takes the next token; `--size=800x600`, a flag or an unknown option does not
            # (argparse's unique prefixes, `--scr`, count as the option they abbreviate).
            matches = [o for o in takes_value if o.startswith(token)] if "=" not in token else []
            i += 2 if token in takes_value or (len(matches) == 1 and token.startswith("--")) else 1
            continue
        return None if token in commands else i
    return None


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed command line: a subcommand and its options, or the window's options and FILE."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    index = _file_argument(parser, argv)
    if index is None:
        return parser.parse_args(argv)
    file = argv.pop(index)
    if index > 0 and argv[index - 1] == "--":
        argv.pop(index - 1)
    args = parser.parse_args(argv)
    if args.command is not None:  # `FILE SUBCOMMAND ...`
        parser.error(f"a FILE ({file}) opens the window: give it without a subcommand")
    args.open_file = file
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.command:
        try:
            return int(args.run(args) or 0)
        except ExplorerError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
    return open_window(args)


def _needs_virtual_display(args) -> bool:
    return args.view == "3d" and args.screenshot and not os.environ.get("DISPLAY") \
        and shutil.which("xvfb-run") is not None and not os.environ.get("EXPLORER_IN_XVFB")


def open_window(args) -> int:
    if _needs_virtual_display(args):
        # OpenGL needs a display: re-run this command under a virtual X server.
        env = {**os.environ, "EXPLORER_IN_XVFB": "1", "QT_QPA_PLATFORM": "xcb"}
        command = ["xvfb-run", "-a", "-s", "-screen 0 1920x1200x24", sys.executable, "-m", "explorer",
                   *sys.argv[1:]]
        os.execvpe("xvfb-run", command, env)
    if args.screenshot or args.startup_probe:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if args.view == "2d" else "xcb")
    from explorer.ui.startup import run_window

    return run_window(args)


if __name__ == "__main__":
    raise SystemExit(main())
