"""CBOW with negative sampling: ours vs gensim 4 Word2Vec (sg=0, cbow_mean=1), quality and speed,
in one run, on KJV and on GCIDE definitions (~1.4M words, built by
tools/make_english_corpus.py from the Debian package dict-gcide), 3 seeds each.

dim 100, window 5, negative 5, min count 5, sample 1e-3, 5 epochs, workers 2 for both,
the same tokens and vocabulary. Quality: Spearman on wordsim353 and Google analogy
accuracy (scored by the same code); speed: ratio = gensim's seconds / ours.
--quick: the first 3,000 KJV verses, 1 epoch, 1 seed. See benchmarks/_w2v.py.
"""

from __future__ import annotations

import sys

from _common import options
from _w2v import run


def _extra(parser) -> None:
    parser.add_argument("--seeds", type=int, default=3, help="seeds per corpus (default 3)")
    parser.add_argument("--first-seed", type=int, default=1, help="seeds from this one (default 1)")
    parser.add_argument("--corpus", choices=("kjv", "gcide"), help="only this corpus (default both)")


if __name__ == "__main__":
    sys.exit(run("cbow", options(__doc__, _extra)))
