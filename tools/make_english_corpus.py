#!/usr/bin/env python3
"""Build an English training corpus of definitions' prose from GCIDE (the Collaborative
International Dictionary of English, Debian package ``dict-gcide``).

    python3 tools/make_english_corpus.py [--out benchmarks/out/gcide-english.txt] [--words 1200000]

The dictionary is read from ``/usr/share/dictd/gcide.dict.dz`` (dictzip, i.e. gzip).
Each definition (a numbered sense, or an entry's unnumbered text) becomes one line of
plain prose: headword lines, pronunciations ``\\...\\``, etymologies and source tags
``[...]``, cross-reference braces ``{...}``, sense numbers, quotations (the deeply
indented blocks), their ``--Author`` citations and ``Syn:``/``Note:`` blocks are
dropped. To spread the corpus over the whole alphabet, every k-th definition is kept,
k chosen so the corpus has about ``--words`` words. The output is the same, byte for
byte, for the same dictionary and options. The licence of the text is the GPL (GCIDE).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

GCIDE = Path("/usr/share/dictd/gcide.dict.dz")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "out" / "gcide-english.txt"
DEFAULT_WORDS = 1_200_000

_SENSE = re.compile(r"^\s*(\d+\.|\([a-z]\))\s+")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_BRACKET_SPLIT = re.compile(r"([\[\]])")
_PRON = re.compile(r"\\[^\\]*\\")
_CITATION = re.compile(r"--\s*[A-Z][\w.'& ]*\.?")
_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    text = _BRACKETS.sub(" ", text)
    text = _PRON.sub(" ", text)
    text = _CITATION.sub(" ", text)
    text = text.replace("{", "").replace("}", "").replace("--", " ")
    text = text.replace("\"", " ").replace("`", "").replace("*", "")
    return _SPACES.sub(" ", text).strip()


def _strip_brackets(line: str, depth: int) -> tuple[str, int]:
    """The line without what is inside (nested) square brackets, and the depth after it."""
    if depth == 0 and "[" not in line and "]" not in line:
        return line, 0
    out = []
    for piece in _BRACKET_SPLIT.split(line):
        if piece == "[":
            depth += 1
        elif piece == "]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(piece)
        elif not out:  # keep the indentation of a line that starts inside brackets
            out.append(" " * (len(piece) - len(piece.lstrip(" "))))
    return "".join(out), depth


def definitions(lines):
    """Each definition's prose, one string each, in dictionary order."""
    current: list[str] = []
    skipping = False  # inside a quotation, a Syn: or Note: block
    in_entry = False

    def flush():
        if current:
            text = _clean(" ".join(current))
            current.clear()
            if len(text.split()) >= 3:
                return text
        return None

    depth = 0  # nesting of etymologies and tags "[...]", which may span lines
    for raw in lines:
        line = raw.rstrip("\n")
        if not line.strip():
            depth = 0  # an unclosed "[" ends with its paragraph
        line, depth = _strip_brackets(line, depth)
        if not line.strip():
            done = flush()
            if done:
                yield done
            skipping = False
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:  # a headword line starts an entry
            done = flush()
            if done:
                yield done
            in_entry = not line.startswith("00-database")
            skipping = False
            continue
        if not in_entry:
            continue
        body = line.strip()
        if indent >= 8 or body.startswith(("Syn:", "Note:", "Usage:", "Syn.")):
            done = flush()
            if done:
                yield done
            skipping = True
            continue
        if skipping and indent > 3:
            continue
        skipping = False
        if _SENSE.match(line):  # a new numbered sense
            done = flush()
            if done:
                yield done
            body = _SENSE.sub("", line).strip()
        current.append(body)
    done = flush()
    if done:
        yield done


def build(source: Path = GCIDE, words: int = DEFAULT_WORDS) -> list[str]:
    if not source.exists():
        raise SystemExit(f"{source}: not found; install the Debian package dict-gcide "
                         "(apt-get install dict-gcide)")
    with gzip.open(source, "rt", encoding="utf-8", errors="replace") as f:
        every = list(definitions(f))
    total = sum(len(d.split()) for d in every)
    step = max(1, total // max(1, words))
    kept = every[::step]
    return kept


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=GCIDE, help=f"the dictionary (default {GCIDE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus file to write")
    parser.add_argument("--words", type=int, default=DEFAULT_WORDS, help="about this many words")
    args = parser.parse_args(argv)
    lines = build(args.source, args.words)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(lines):,} definitions, {sum(len(x.split()) for x in lines):,} words",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
