"""`embedding-explorer vocab FILE`: load a vocabulary and print a summary (or tokenize text)."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "vocab"
HELP = "load a vocabulary (word list, corpus, tokenizer, vectors file) and summarize it, or tokenize text"

FORMAT_CHOICES = ("wordlist", "corpus", "gpt2", "wordpiece", "tokenizer-json", "json", "vectors")


def add_arguments(parser) -> None:
    parser.add_argument("file", metavar="FILE", help="word list, corpus text, tokenizer file or folder "
                        "(encoder.json + vocab.bpe, vocab.txt, tokenizer.json), vectors file, or a sample: "
                        "sample:gpt2, sample:bert, sample:minilm")
    parser.add_argument("--format", choices=FORMAT_CHOICES, help="override the detected format")
    parser.add_argument("--min-count", type=int, default=1, metavar="N",
                        help="corpus: keep tokens seen at least N times (default 1)")
    parser.add_argument("--max-size", type=int, metavar="N", help="keep at most N tokens (specials included)")
    parser.add_argument("--order", choices=("alpha", "freq", "first"), default="freq",
                        help="corpus: ID order, alphabetical, by frequency (default) or first seen")
    parser.add_argument("--specials", nargs="+", metavar="TOKEN", default=[],
                        help="special tokens at fixed IDs at the front: roles pad unk bos eos (or tokens "
                             "such as '<pad>'); commas work too: --specials pad,unk")
    parser.add_argument("--tokenizer", default="words", metavar="words|whitespace|PATH",
                        help="corpus: lowercase word regex (default), whitespace, or a tokenizer file/folder "
                             "(or sample:gpt2, sample:bert)")
    parser.add_argument("--replace-invalid", action="store_true",
                        help="load invalid UTF-8 with replacement characters (and say how many lines)")
    parser.add_argument("--dedupe", action="store_true",
                        help="word list: keep the first of duplicated tokens (with a warning) instead of failing")
    parser.add_argument("--tokenize", metavar="TEXT", action=_Text,
                        help="tokenize TEXT with the vocabulary's tokenizer (text starting with '-': --tokenize=TEXT)")
    parser.add_argument("--specials-in-text", choices=("parse", "text"), default="parse",
                        help="--tokenize: a special token written in TEXT (<|endoftext|>, [SEP]) is that token "
                             "(parse, the default, as the tokenizers library does) or plain text (text)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


class _Text(argparse.Action):
    """Stores TEXT as given: argparse (Python 3.11's, at least) drops a lone '--' even from
    `--tokenize=--`, which then reaches us as an empty list."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, "--" if values == [] else values)


def _progress_bar():
    """A terminal progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(fraction: float) -> None:
        percent = int(100 * fraction)
        if percent != last[0]:
            last[0] = percent
            filled = percent * 30 // 100
            sys.stderr.write(f"\rloading [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%")
            if percent >= 100:
                sys.stderr.write("\r" + " " * 50 + "\r")
            sys.stderr.flush()

    return show


def run(args) -> int:
    from explorer.core import ExplorerError
    from explorer.core.io.samples import is_sample, vocab_file
    from explorer.core.io.textio import InvalidEncoding
    from explorer.core.io.vocab_files import FORMATS, describe, load_vocabulary

    specials = [s for item in args.specials for s in item.split(",") if s.strip()]
    tokenizer = vocab_file(args.tokenizer) if is_sample(args.tokenizer) else args.tokenizer
    try:
        vocab = load_vocabulary(vocab_file(args.file), args.format, min_count=args.min_count,
                                max_size=args.max_size, order=args.order, specials=specials, tokenizer=tokenizer,
                                errors="replace" if args.replace_invalid else "strict", dedupe=args.dedupe,
                                progress=_progress_bar())
    except InvalidEncoding as exc:
        raise ExplorerError(f"{exc} (rerun with --replace-invalid)") from None
    summary = describe(vocab)
    if args.tokenize is not None:
        from explorer.core.tokens.subword import encode_text

        pieces, ids = encode_text(vocab, args.tokenize, parse_specials=args.specials_in_text == "parse")
        show = getattr(vocab.tokenizer, "display_piece", None)
        summary["tokens"] = pieces
        summary["ids"] = ids
        summary["pieces"] = [show(p) for p in pieces] if show else pieces
        summary["specials_in_text"] = args.specials_in_text
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for warning in vocab.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    special = ", ".join(f"{role}={vocab.tokens[i]} ({i})" for role, i in vocab.specials.items()) or "none"
    rows = [
        ("file", summary["source"]),
        ("format", f"{summary['format']} ({FORMATS.get(summary['format'], '')})"),
        ("size", f"{summary['size']:,} tokens"),
        ("tokenizer", summary["tokenizer"] or "none"),
        ("specials", special),
        ("counts", f"yes (total {int(vocab.counts.sum()):,})" if vocab.counts is not None else "no"),
        ("first", " ".join(vocab.display_tokens[:10])),
    ]
    if args.tokenize is not None:
        rows.append(("tokens", " ".join(summary["pieces"])))
        rows.append(("ids", " ".join("?" if i is None else str(i) for i in summary["ids"])))
        rows.append(("specials in text", "parsed as special tokens" if args.specials_in_text == "parse"
                     else "read as plain text"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0
