"""`embedding-explorer export SESSION --format ... --out PATH`: write vectors for other tools."""

from __future__ import annotations

import sys

NAME = "export"
HELP = ("export a session's (or vectors file's) matrix as projector TSV, word2vec, GloVe, .npy or CSV, "
        "or record a session's training run as an animated GIF or MP4")
FORMAT_CHOICES = ("projector", "word2vec", "word2vec-bin", "glove", "npy", "csv", "loss-csv", "gif", "mp4")
RECORDING_FORMATS = ("gif", "mp4")


def add_arguments(parser) -> None:
    parser.add_argument("session", metavar="SESSION", help="a session file (.eexp, or any name), any vectors file "
                        "or sample:minilm")
    parser.add_argument("--format", required=True, choices=FORMAT_CHOICES,
                        help="projector: vectors.tsv + metadata.tsv (OUT is a folder or a .tsv name); "
                             "word2vec / word2vec-bin: word2vec C text / binary; glove: GloVe text; "
                             "npy: float32 matrix (+ OUT's .vocab.txt); csv: projected coordinates "
                             "(id, token, x, y[, z]); loss-csv: the loss curve of a trained session; "
                             "gif / mp4: the session's training timeline as the window replays it "
                             "(points, labels, title with step, epoch and loss, legend, trails)")
    parser.add_argument("--out", required=True, metavar="PATH", help="where to write")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for vectors files that carry none (.npy, ...)")
    parser.add_argument("--metadata", metavar="FILE",
                        help="projector: a metadata TSV/CSV whose columns metadata.tsv gets (instead of the "
                             "session's own); one column = no header, several = a header row")
    parser.add_argument("--dims", type=int, choices=(2, 3), default=2, help="csv: 2 or 3 coordinates (PCA)")
    parser.add_argument("--snapshot", type=int, metavar="STEP",
                        help="export the training snapshot taken at this step instead of the final matrix")
    video = parser.add_argument_group("gif / mp4 (a recorded run)")
    video.add_argument("--fps", type=float, default=8, metavar="N", help="frames per second (default 8)")
    video.add_argument("--size", default="960x600", metavar="WxH", help="frame size in pixels (default 960x600)")
    video.add_argument("--smooth", type=int, default=1, metavar="K",
                       help="K frames per snapshot: the points move smoothly from one snapshot to the next "
                            "(default 1: each snapshot once)")
    video.add_argument("--range", choices=("follow", "fixed"), default="follow", dest="view_range",
                       help="follow: the view follows the points as they spread (default); fixed: one view "
                            "holding every snapshot's points")
    video.add_argument("--hold", type=float, default=1.5, metavar="SECONDS",
                       help="how long the last frame stays before the clip loops (default 1.5)")
    video.add_argument("--trails", metavar="TOKENS",
                       help="comma-separated tokens whose paths over the run are drawn, e.g. dog,cat,apple")
    video.add_argument("--theme", choices=("light", "dark", "high-contrast-light", "high-contrast-dark"),
                       help="colours (default: the session's theme)")
    video.add_argument("--basis", choices=("live", "last", "first"), default="live",
                       help="live: the axes follow the matrix as the window's timeline replays it (default); "
                            "last / first: one basis for every frame, the session's own or one fitted on the "
                            "last / first snapshot")


def _progress_bar(label: str):
    if not sys.stderr.isatty():
        return None
    def show(fraction: float) -> None:
        filled = int(30 * fraction)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:3.0f}%")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def _record(args) -> int:
    """gif / mp4: render the timeline with the window's 2D view, offscreen when there is no display."""
    import os

    from explorer.core import ExplorerError
    from explorer.core.io.sources import is_session
    from explorer.core.io.video import check_fps, parse_size

    if args.snapshot is not None:
        raise ExplorerError("--snapshot picks one matrix; a recording shows every snapshot of the run")
    fps, size = check_fps(args.fps), parse_size(args.size)
    if args.hold < 0:
        raise ExplorerError(f"--hold is 0 or more seconds, not {args.hold}")
    from pathlib import Path

    if not Path(args.session).exists():
        raise ExplorerError("no such file", args.session)
    if not is_session(args.session):
        raise ExplorerError("a recording needs a session file with a training timeline (.eexp), "
                            "not a vectors file", args.session)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from explorer.ui.recording import record_session

    trails = [t for t in (args.trails or "").split(",") if t]
    out = record_session(args.session, args.out, fmt=args.format, fps=fps, size=size, hold=args.hold,
                         trails=trails, theme=args.theme, fit_on=args.basis, between=args.smooth,
                         view_range=args.view_range,
                         progress=_progress_bar(f"recording {args.format}"))
    print(out)
    return 0


def run(args) -> int:
    from explorer.core import ExplorerError
    from explorer.core.io.export import export
    from explorer.core.io.sources import is_session

    if args.format in RECORDING_FORMATS:
        return _record(args)
    source = args.session
    if args.metadata and args.format != "projector":
        raise ExplorerError(f"--metadata is written by --format projector only, not {args.format}")
    categories = metadata = None
    history: dict = {}
    if is_session(source):
        from explorer.core.io.session import load_session

        session = load_session(source)
        vocab, weights = session.vocab, session.weights
        categories, history, metadata = session.categories, session.history, session.metadata
        if args.snapshot is not None:
            steps = {s.step: s.weights for s in session.snapshots}
            if args.snapshot not in steps:
                have = ", ".join(str(s) for s in steps) or "none"
                raise ExplorerError(f"no snapshot at step {args.snapshot} (snapshots: {have})", source)
            weights = steps[args.snapshot]
    else:
        if args.format == "loss-csv":
            raise ExplorerError("a vectors file has no loss curve; export loss-csv from a session", source)
        if args.snapshot is not None:
            raise ExplorerError("--snapshot needs a session file", source)
        from explorer.core.io.sources import load_matrix

        vocab, weights = load_matrix(source, vocab_path=args.vocab)
    if args.metadata:
        from explorer.core.io.metadata import read_metadata

        metadata = read_metadata(args.metadata, vocab)
    written = export(args.format, args.out, vocab, weights, categories=categories, history=history,
                     dims=args.dims, metadata=metadata, progress=_progress_bar(f"export {args.format}"))
    paths = written if isinstance(written, tuple) else (written,)
    if args.format == "npy":
        from explorer.core.io.export import vocab_path_for_npy

        if vocab_path_for_npy(written).exists():
            paths = (written, vocab_path_for_npy(written))
    for path in paths:
        print(path)
    return 0
