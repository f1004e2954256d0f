"""word2vec's own algorithm (skip-gram and CBOW with negative sampling), per pair, compiled
with numba: the CPU engine of the ``sgns`` and ``cbow`` objectives.

What word2vec.c and gensim do, pair by pair, and nothing batched:

- subsampling: a word of count ``c`` is kept with probability
  ``(sqrt(c / t) + 1) * t / c``, ``t = sample * total`` (drawn anew each epoch);
- a reduced window per centre word: ``b`` drawn in ``0..window-1``, context
  ``window - b`` words either side, over the kept words of the sentence;
- skip-gram: for each (centre, context) pair, the context's input row predicts the
  centre against ``negative`` fresh noise words drawn from the unigram^0.75 distribution
  (an alias table);
  CBOW: the mean of the context rows predicts the centre, and every context row
  takes the whole error (``cbow_mean``, as word2vec and gensim);
- a score beyond +-6 gives no update (gensim's rule); linear learning-rate decay by
  the words processed (the rate is set at the start of each sentence);
- Hogwild: several threads may run :func:`sgns` / :func:`cbow` at once on disjoint
  spans of sentences and update the shared matrices without locks.

The kernels release the GIL (``nogil``), so Python threads run them in parallel and
the window stays responsive; they are compiled on first use and cached on disk
(``cache=True``). Each call processes whole sentences ``[s_lo, s_hi)`` and carries its
random state in ``rng[0]``, so a run cut into calls of any size gives bit-identical
results with one thread. No numba threading layer is involved (no ``prange``), so
nothing competes with torch's OpenMP pool.

``stats`` accumulates [loss sum, loss terms, kept words]: the loss (shown, not
trained on) is estimated on every ``LOSS_EVERY``-th centre word.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_EXP = 6.0
LOSS_EVERY = 8
LCG_MUL = np.uint64(25214903917)
LCG_ADD = np.uint64(11)
LCG_MASK = np.uint64(281474976710655)  # 2**48 - 1, as gensim
SHIFT = np.uint64(16)
LOW24 = np.uint64(0xFFFFFF)
# fastmath without "nnan"/"ninf": sums may be reordered (SIMD dot products), but a
# non-finite score is still seen, and reported as a NaN loss (the run stops).
FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
# sigmoid and log-sigmoid as tables over (-MAX_EXP, MAX_EXP), as word2vec and gensim
EXP_TABLE_SIZE = 1000
_x = (np.arange(EXP_TABLE_SIZE) / EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
SIGMOID = (1.0 / (1.0 + np.exp(-_x))).astype(np.float32)
LOG_SIGMOID = np.log(SIGMOID).astype(np.float32)
LOG_1M_SIGMOID = np.log1p(-SIGMOID.astype(np.float64)).astype(np.float32)
SCALE = EXP_TABLE_SIZE / MAX_EXP / 2


@njit(inline="always")
def _next(r):
    return (r * LCG_MUL + LCG_ADD) & LCG_MASK


@njit(nogil=True, fastmath=FAST, cache=True, boundscheck=False)
def sgns(syn0, syn1, ids, offsets, s_lo, s_hi, keep, prob, alias, window, negative,
         lr0, min_lr, base, total, rng, stats, train_input):
    d = syn0.shape[1]
    nwords = np.uint64(prob.shape[0])
    work = np.zeros(d, dtype=np.float32)
    longest = 0
    for s in range(s_lo, s_hi):
        longest = max(longest, offsets[s + 1] - offsets[s])
    buf = np.empty(max(1, longest), dtype=np.int32)
    r = rng[0]
    loss = 0.0
    terms = 0.0
    kept = 0
    uwindow = np.uint64(window)
    for s in range(s_lo, s_hi):
        progress = (base + offsets[s]) / total
        lr = lr0 - (lr0 - min_lr) * progress
        if lr < min_lr:
            lr = min_lr
        alpha = np.float32(lr)
        m = 0
        for p in range(offsets[s], offsets[s + 1]):
            w = ids[p]
            if keep[w] < 1.0:
                r = _next(r)
                if keep[w] < ((r >> SHIFT) & LOW24) * (1.0 / 16777216.0):
                    continue
            buf[m] = w
            m += 1
        kept += m
        for i in range(m):
            word = buf[i]
            r = _next(r)
            b = np.int64((r >> SHIFT) % uwindow)
            lo = max(0, i - window + b)
            hi = min(m, i + window + 1 - b)
            measure = (i % LOSS_EVERY) == 0
            for j in range(lo, hi):
                if j == i:
                    continue
                v0 = syn0[buf[j]]
                for k in range(d):
                    work[k] = 0.0
                for n in range(negative + 1):
                    if n == 0:
                        target = word
                        label = np.float32(1.0)
                    else:
                        r = _next(r)
                        target, r = _draw(r, prob, alias, nwords)
                        if target == word:
                            continue
                        label = np.float32(0.0)
                    v1 = syn1[target]
                    f = np.float32(0.0)
                    for k in range(d):
                        f += v0[k] * v1[k]
                    if not (f > -MAX_EXP and f < MAX_EXP):  # also NaN
                        if math.isinf(f) or math.isnan(f):
                            loss = math.nan
                        continue
                    e = np.int64((f + MAX_EXP) * SCALE)
                    sig = SIGMOID[e]
                    if measure:
                        if n == 0:
                            loss -= LOG_SIGMOID[e]
                            terms += 1.0
                        else:
                            loss -= LOG_1M_SIGMOID[e]
                    g = (label - sig) * alpha
                    for k in range(d):
                        work[k] += g * v1[k]
                        v1[k] += g * v0[k]
                if train_input:
                    for k in range(d):
                        v0[k] += work[k]
    rng[0] = r
    stats[0] += loss
    stats[1] += terms
    stats[2] += kept


@njit(nogil=True, fastmath=FAST, cache=True, boundscheck=False)
def cbow(syn0, syn1, ids, offsets, s_lo, s_hi, keep, prob, alias, window, negative,
         lr0, min_lr, base, total, rng, stats, train_input):
    d = syn0.shape[1]
    nwords = np.uint64(prob.shape[0])
    work = np.zeros(d, dtype=np.float32)
    h = np.zeros(d, dtype=np.float32)
    longest = 0
    for s in range(s_lo, s_hi):
        longest = max(longest, offsets[s + 1] - offsets[s])
    buf = np.empty(max(1, longest), dtype=np.int32)
    r = rng[0]
    loss = 0.0
    terms = 0.0
    kept = 0
    uwindow = np.uint64(window)
    for s in range(s_lo, s_hi):
        progress = (base + offsets[s]) / total
        lr = lr0 - (lr0 - min_lr) * progress
        if lr < min_lr:
            lr = min_lr
        alpha = np.float32(lr)
        m = 0
        for p in range(offsets[s], offsets[s + 1]):
            w = ids[p]
            if keep[w] < 1.0:
                r = _next(r)
                if keep[w] < ((r >> SHIFT) & LOW24) * (1.0 / 16777216.0):
                    continue
            buf[m] = w
            m += 1
        kept += m
        for i in range(m):
            word = buf[i]
            r = _next(r)
            b = np.int64((r >> SHIFT) % uwindow)
            lo = max(0, i - window + b)
            hi = min(m, i + window + 1 - b)
            count = hi - lo - 1
            if count <= 0:
                continue
            for k in range(d):
                h[k] = 0.0
                work[k] = 0.0
            for j in range(lo, hi):
                if j != i:
                    v0 = syn0[buf[j]]
                    for k in range(d):
                        h[k] += v0[k]
            inv = np.float32(1.0 / count)
            for k in range(d):
                h[k] *= inv
            measure = (i % LOSS_EVERY) == 0
            for n in range(negative + 1):
                if n == 0:
                    target = word
                    label = np.float32(1.0)
                else:
                    r = _next(r)
                    target, r = _draw(r, prob, alias, nwords)
                    if target == word:
                        continue
                    label = np.float32(0.0)
                v1 = syn1[target]
                f = np.float32(0.0)
                for k in range(d):
                    f += h[k] * v1[k]
                if not (f > -MAX_EXP and f < MAX_EXP):  # also NaN
                    if math.isinf(f) or math.isnan(f):
                        loss = math.nan
                    continue
                e = np.int64((f + MAX_EXP) * SCALE)
                sig = SIGMOID[e]
                if measure:
                    if n == 0:
                        loss -= LOG_SIGMOID[e]
                        terms += 1.0
                    else:
                        loss -= LOG_1M_SIGMOID[e]
                g = (label - sig) * alpha
                for k in range(d):
                    work[k] += g * v1[k]
                    v1[k] += g * h[k]
            if train_input:
                for j in range(lo, hi):
                    if j != i:
                        v0 = syn0[buf[j]]
                        for k in range(d):
                            v0[k] += work[k]
    rng[0] = r
    stats[0] += loss
    stats[1] += terms
    stats[2] += kept


KERNELS = {"sgns": sgns, "cbow": cbow}


def noise_table(counts: np.ndarray, power: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """The unigram^power noise distribution as Walker's alias table (``prob``, ``alias``):
    exact, two small arrays (8 bytes a word, so they stay in cache where word2vec's
    100M-slot table would miss it on every draw), one draw in O(1)."""
    weights = np.asarray(counts, dtype=np.float64) ** power
    if len(weights) == 0:
        return np.ones(1, np.float32), np.zeros(1, np.int32)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    return _alias(weights / weights.sum())


@njit(cache=True)
def _alias(p):
    n = p.shape[0]
    prob = np.zeros(n, dtype=np.float32)
    alias = np.arange(n).astype(np.int32)
    scaled = p * n
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    for i in range(nl):
        prob[large[i]] = 1.0
    for i in range(ns):
        prob[small[i]] = 1.0
    return prob, alias


@njit(inline="always")
def _draw(r, prob, alias, n):
    """A noise word: a uniform slot (high 32 bits of the state), kept or sent to its alias
    by a second draw."""
    i = np.int64(((r >> SHIFT) * n) >> np.uint64(32))
    r = _next(r)
    if ((r >> SHIFT) & LOW24) * (1.0 / 16777216.0) >= prob[i]:
        i = alias[i]
    return i, r


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """Subsampling: the probability each word is kept (>= 1: always), as word2vec."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if sample <= 0 or total <= 0:
        return np.full(len(counts), 2.0, dtype=np.float64)
    threshold = sample * total
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    return np.where(counts > 0, keep, 2.0).astype(np.float64)


def seed_state(seed: int, stream: int = 0) -> np.ndarray:
    """A 48-bit LCG state for (seed, stream), mixed with splitmix64 so nearby seeds differ."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + int(stream) * 0xBF58476D1CE4E5B9 + 0x94D049BB133111EB)
    z &= (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & ((1 << 64) - 1)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & ((1 << 64) - 1)
    z ^= z >> 31
    return np.array([z & 0xFFFFFFFFFFFF], dtype=np.uint64)
