"""Training objectives as generators that yield frozen Snapshots of the embedding matrix.

    for snap in train(corpus, weights, TrainConfig(objective="sgns", epochs=5)):
        ...  # snap.weights is a copy: safe to keep, project or draw

Objectives:
- ``sgns``: skip-gram with negative sampling (word2vec): window with random shrink,
  unigram^0.75 noise, subsampling of frequent words, linear learning-rate decay.
  On the CPU (device cpu or auto) it is word2vec's own per-pair algorithm compiled
  with numba (:mod:`explorer.core.training.w2v_kernel`, driven by :class:`_Kernel`):
  as good as gensim's and as fast. On CUDA a batched torch path (:class:`_SGNS`):
  each block of centres scores its window rows and a set of shared noise words in one
  matmul, closed-form gradients applied with one scatter-add per matrix.
- ``cbow``: continuous bag of words with negative sampling, the same two ways.
- ``lm``: next-token language model: embedding + positional encoding (sinusoidal
  or learned) + one causal self-attention block + output layer tied or untied.
- ``classify``: a small classification head on the mean of a line's rows, for
  fastText-style labelled lines (``__label__x text``).

Every objective starts from the given matrix and can keep it frozen
(``freeze_embeddings``): fine-tuning with or without learnable embeddings.
A non-finite loss stops the run with :class:`TrainingDiverged`, which carries the
last good snapshot.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explorer.core import Cancelled, ExplorerError
from explorer.core.tokens.corpus import EncodedCorpus

from explorer.core.training.snapshot import Snapshot  # noqa: F401  (re-exported)
from explorer.core.training.config import (  # noqa: F401  (re-exported)
    DEFAULT_LR, DEVICES, OBJECTIVE_LABELS, OBJECTIVES, TrainConfig,
)


class TrainingDiverged(ExplorerError):
    """The loss became NaN or infinite; `last_good` is the last finite snapshot."""

    def __init__(self, message: str, last_good: Snapshot | None) -> None:
        super().__init__(message)
        self.last_good = last_good


def resolve_device(name: str = "auto", cpu_first: bool = False) -> tuple[torch.device, str]:
    """The torch device for auto/cpu/cuda, and a note when CUDA was asked for but is absent.

    `cpu_first`: "auto" means the CPU (sgns/cbow: the per-pair CPU kernel learns better
    than the batched torch path and is as fast; ask for "cuda" to use the GPU)."""
    name = (name or "auto").lower()
    if name not in DEVICES and not name.startswith("cuda:"):
        raise ExplorerError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "cpu" or (name == "auto" and cpu_first):
        return torch.device("cpu"), ""
    available = torch.cuda.is_available()
    if name == "auto":
        return torch.device("cuda" if available else "cpu"), ""
    if not available:
        return torch.device("cpu"), ("CUDA is not available in this torch build or machine "
                                     f"(torch {torch.__version__}): training on the CPU instead")
    return torch.device(name), ""


# ----------------------------------------------------------------------------- driver
@dataclass
class _Step:
    epoch: int
    progress: float  # 0..1 after this step
    tokens_seen: int
    loss: float
    lr: float
    extra: dict | None = None


def train(corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig | None = None,
          should_cancel=None, **overrides) -> Iterator[Snapshot]:
    """Train `weights` (vocab x dim, not modified) on `corpus`; yield Snapshots.

    The first snapshot (step 0) holds the starting matrix; one is yielded at least
    every `yield_seconds` (and every `yield_every` steps when set), at the first step of
    each epoch, and always at the end.
    """
    config = replace(config or TrainConfig(), **overrides)
    if config.objective not in OBJECTIVES:
        raise ExplorerError(f"unknown objective {config.objective!r}; choose one of {', '.join(OBJECTIVES)}")
    weights = np.asarray(weights, dtype=np.float32)
    if weights.ndim != 2 or weights.shape[0] != corpus.vocab_size:
        raise ExplorerError(f"the matrix has shape {weights.shape} but the vocabulary has "
                            f"{corpus.vocab_size} tokens")
    if config.epochs < 1:
        raise ExplorerError("epochs must be at least 1")
    if config.threads:
        torch.set_num_threads(int(config.threads))
    device, note = resolve_device(config.device, cpu_first=config.objective in ("sgns", "cbow"))
    model = _model(corpus, weights, config, device)
    start = time.perf_counter()
    last = Snapshot(0, 0, float("nan"), 0, weights.copy(), 0.0, config.learning_rate, 0.0, note)
    yield last
    last_yield = time.perf_counter()
    losses: list[float] = []
    step = 0
    for state in model.steps():
        step += 1
        if not math.isfinite(state.loss):
            raise TrainingDiverged(
                f"the loss became {state.loss} at step {step} (epoch {state.epoch + 1}): training "
                f"stopped and kept the weights of step {last.step}, the last good ones. "
                "Try a lower learning rate.", last)
        losses.append(state.loss)
        now = time.perf_counter()
        # A new epoch is always due: a run quicker than `yield_seconds` still replays epoch by epoch.
        due = (now - last_yield >= config.yield_seconds
               or (config.yield_every is not None and step % config.yield_every == 0)
               or state.epoch != last.epoch or state.progress >= 1.0)
        if not due:
            continue
        current = model.embedding()
        if not np.isfinite(current).all():
            raise TrainingDiverged(
                f"the weights became non-finite by step {step} (epoch {state.epoch + 1}): training "
                f"stopped and kept the weights of step {last.step}, the last good ones. "
                "Try a lower learning rate.", last)
        last = Snapshot(step, state.epoch, float(np.mean(losses)), state.tokens_seen, current,
                        min(1.0, state.progress), state.lr, now - start, "", dict(state.extra or {}))
        losses = []
        yield last
        last_yield = time.perf_counter()
        if should_cancel is not None and should_cancel():
            raise Cancelled()
    if last.step != step:  # no step at all (empty corpus) still ends with a snapshot
        last = replace(last, step=step, elapsed=time.perf_counter() - start, progress=1.0)
        yield last


def run_to_end(corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig | None = None,
               **overrides) -> Snapshot:
    """Train to the end and return the final snapshot."""
    last = None
    for last in train(corpus, weights, config, **overrides):
        pass
    return last


def _linear_lr(config: TrainConfig, progress: float) -> float:
    lr0 = config.learning_rate
    return max(config.min_lr if config.min_lr < lr0 else 0.0, lr0 - (lr0 - config.min_lr) * progress)


# ----------------------------------------------------------------------------- word2vec (CPU)
class _Kernel:
    """The CPU engine of sgns and cbow: word2vec's per-pair algorithm compiled with numba
    (:mod:`explorer.core.training.w2v_kernel`), Hogwild over ``workers`` threads.

    A step runs the kernel on the next span of whole sentences (``batch_size`` words per
    worker, fewer on a small corpus or when the kernel would run longer than half a
    yield period), so the
    driver yields on time and Pause/Stop act between steps. With one worker the kernel
    runs in this thread and carries its random state from step to step: the result does
    not depend on how the run was cut into steps, and the same seed gives the same matrix
    bit for bit. With more, each step's span is cut into ``PIECES_PER_WORKER`` pieces per
    worker that a thread pool runs as threads free up (each piece with its own random
    stream), like gensim's job queue."""

    MAX_SENTENCE = 10000  # longer lines are trained as pieces of this many tokens
    PIECES_PER_WORKER = 4
    STEPS_PER_EPOCH = 64
    MIN_STEP = 1024  # words a worker
    MAX_STEP_SECONDS = 0.1

    def __init__(self, corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig,
                 device: torch.device) -> None:
        from explorer.core.training import w2v_kernel as K

        self.K, self.corpus, self.config = K, corpus, config
        self.kernel = K.KERNELS[config.objective]
        self.X = np.ascontiguousarray(weights, dtype=np.float32).copy()
        self.U = np.zeros_like(self.X)  # output vectors start at zero, as in word2vec
        counts = corpus.counts()
        self.keep = K.keep_probabilities(counts, config.sample)
        self.prob, self.alias = K.noise_table(counts)
        self.ids = corpus.ids.astype(np.int32)
        self.offsets = self._segments(np.asarray(corpus.offsets, dtype=np.int64), self.MAX_SENTENCE)
        self.n = len(self.ids)
        self.workers = max(1, int(config.workers))
        self.pieces = 1 if self.workers == 1 else self.workers * self.PIECES_PER_WORKER
        self.rng = [K.seed_state(config.seed, i) for i in range(self.pieces)]

    @staticmethod
    def _segments(offsets: np.ndarray, longest: int) -> np.ndarray:
        lengths = np.diff(offsets)
        if len(lengths) == 0 or lengths.max() <= longest:
            return offsets
        pieces = np.maximum(1, -(-lengths // longest))
        starts = np.repeat(offsets[:-1], pieces)
        within = np.arange(len(starts)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        return np.concatenate([starts + within * longest, offsets[-1:]])

    def embedding(self) -> np.ndarray:
        return self.X.copy()

    def _run(self, lo: int, hi: int, base: int, total: float, slot: int) -> np.ndarray:
        cfg = self.config
        stats = np.zeros(3, dtype=np.float64)
        self.kernel(self.X, self.U, self.ids, self.offsets, lo, hi, self.keep, self.prob, self.alias,
                    int(cfg.window), int(cfg.negative), float(cfg.learning_rate), float(cfg.min_lr),
                    float(base), total, self.rng[slot], stats, not cfg.freeze_embeddings)
        return stats

    def steps(self) -> Iterator[_Step]:
        cfg = self.config
        offsets, S = self.offsets, len(self.offsets) - 1
        total = float(max(1, self.n * cfg.epochs))
        # batch_size words a worker, but at least STEPS_PER_EPOCH steps an epoch, so that a
        # small corpus (the demo) still gives a loss curve and frames to replay
        per_step = max(1, min(int(cfg.batch_size), max(self.MIN_STEP, self.n // self.STEPS_PER_EPOCH))) * self.workers
        budget = min(self.MAX_STEP_SECONDS, max(0.005, 0.5 * float(cfg.yield_seconds)))
        rate = None  # words per second, measured
        loss = 0.0  # a step too short to measure the loss shows the previous one
        pool = None
        if self.pieces > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(self.workers, thread_name_prefix="explorer-train")
        self._run(0, 0, 0, total, 0)  # compiles (or loads) the kernel before the first timing
        try:
            for epoch in range(cfg.epochs):
                base = epoch * self.n
                s = 0
                while s < S:
                    want = per_step if rate is None else max(1, min(per_step, int(rate * budget)))
                    hi = int(np.searchsorted(offsets, offsets[s] + want, side="left"))
                    hi = min(S, max(s + 1, hi))
                    lr = _linear_lr(cfg, (base + int(offsets[s])) / total)
                    start = time.perf_counter()
                    if pool is None:
                        stats = self._run(s, hi, base, total, 0)
                    else:
                        cuts = np.searchsorted(
                            offsets, np.linspace(offsets[s], offsets[hi], self.pieces + 1), side="left")
                        cuts[0], cuts[-1] = s, hi
                        cuts = np.maximum.accumulate(np.clip(cuts, s, hi))
                        futures = [pool.submit(self._run, int(cuts[i]), int(cuts[i + 1]), base, total, i)
                                   for i in range(self.pieces) if cuts[i + 1] > cuts[i]]
                        stats = sum(f.result() for f in futures)
                    seconds = time.perf_counter() - start
                    words = int(offsets[hi] - offsets[s])
                    if seconds > 0 and words:
                        now = words / seconds
                        rate = now if rate is None else 0.7 * rate + 0.3 * now
                    s = hi
                    done = base + int(offsets[s])
                    if stats[1] > 0 or not math.isfinite(stats[0]):
                        loss = stats[0] / max(stats[1], 1.0)
                    yield _Step(epoch, done / total, done, float(loss), lr)
                if S == 0 or self.n == 0:
                    yield _Step(epoch, (epoch + 1) / cfg.epochs, (epoch + 1) * self.n, 0.0,
                                _linear_lr(cfg, (epoch + 1) / cfg.epochs))
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------- word2vec (torch)
class _Word2Vec:
    """Shared by SGNS and CBOW: subsampling, random window shrink, the noise table."""

    TABLE_SIZE = 1 << 20
    MAX_REPEATS = 32
    MAX_STEP = 1.0  # per step, a row moves at most like MAX_STEP / lr single-pair updates

    def __init__(self, corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig,
                 device: torch.device) -> None:
        self.corpus, self.config, self.device = corpus, config, device
        self.gen = torch.Generator(device="cpu").manual_seed(int(config.seed))
        self.rng = np.random.default_rng(config.seed)
        self.X = torch.from_numpy(weights.copy()).to(device)  # input (the shown) embedding
        self.U = torch.zeros_like(self.X)  # output ("context") vectors, zeros like word2vec
        counts = corpus.counts().astype(np.float64)
        self.counts = counts
        total = counts.sum()
        if config.sample > 0 and total > 0:
            threshold = config.sample * total
            with np.errstate(divide="ignore", invalid="ignore"):
                keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
            self.keep = np.where(counts > 0, np.minimum(keep, 1.0), 0.0)
        else:
            self.keep = np.ones_like(counts)
        noise = counts ** 0.75
        noise = noise / noise.sum() if noise.sum() > 0 else np.full_like(noise, 1.0 / len(noise))
        cdf = np.cumsum(noise)
        cdf /= cdf[-1]
        positions = (np.arange(self.TABLE_SIZE) + 0.5) / self.TABLE_SIZE
        table = np.minimum(np.searchsorted(cdf, positions), len(counts) - 1)
        self.table = torch.from_numpy(table.astype(np.int64)).to(device)
        self.sentence = corpus.sentence_ids()
        self.n = len(corpus.ids)
        # Rows gathered several times in one step get their updates summed; cap how often
        # the most frequent (kept) word repeats per step so a small vocabulary stays stable.
        kept = counts * self.keep
        top = kept.max() / kept.sum() if kept.sum() > 0 else 1.0
        self.batch = int(min(max(64, int(config.batch_size)), max(256, self.MAX_REPEATS / top)))

    def embedding(self) -> np.ndarray:
        return self.X.detach().cpu().numpy().copy()

    def _epoch_tokens(self):
        """This epoch's kept tokens (subsampled), their sentence ids and original positions."""
        ids = self.corpus.ids
        if self.config.sample > 0:
            mask = self.rng.random(len(ids)) < self.keep[ids]
            pos = np.flatnonzero(mask)
        else:
            pos = np.arange(len(ids))
        return ids[pos], self.sentence[pos], pos

    def steps(self) -> Iterator[_Step]:
        cfg = self.config
        total = self.n * cfg.epochs
        workers = max(1, int(cfg.workers)) if self.device.type == "cpu" else 1
        gens = [self.gen] + [torch.Generator(device="cpu").manual_seed(int(cfg.seed) * 7919 + i)
                             for i in range(1, workers)]
        pool = None
        if workers > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(workers, thread_name_prefix="explorer-train")
        try:
            for epoch in range(cfg.epochs):
                tokens, sentences, positions = self._epoch_tokens()
                m = len(tokens)
                t_all = torch.from_numpy(tokens).to(self.device)
                s_all = torch.from_numpy(sentences).to(self.device)
                b_all = torch.randint(1, cfg.window + 1, (m,), generator=self.gen).to(self.device)
                pending = []
                for i, lo in enumerate(range(0, m, self.batch)):
                    hi = min(m, lo + self.batch)
                    done = epoch * self.n + (int(positions[hi - 1]) + 1 if hi < m else self.n)
                    lr = _linear_lr(cfg, (epoch * self.n + int(positions[lo])) / total)
                    args = (t_all[lo:hi], s_all[lo:hi], b_all[lo:hi], lr, gens[i % workers])
                    if pool is None:
                        yield _Step(epoch, done / total, done, self._step(*args), lr)
                        continue
                    # Hogwild: `workers` chunks in flight, each on its own generator.
                    pending.append((pool.submit(self._step, *args), done, lr))
                    if len(pending) >= workers:
                        future, d, r = pending.pop(0)
                        yield _Step(epoch, d / total, d, future.result(), r)
                for future, d, r in pending:
                    yield _Step(epoch, d / total, d, future.result(), r)
                if m == 0:
                    yield _Step(epoch, (epoch + 1) / cfg.epochs, (epoch + 1) * self.n, 0.0,
                                _linear_lr(cfg, (epoch + 1) / cfg.epochs))
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)

    def _negatives(self, shape, gen=None) -> torch.Tensor:
        idx = torch.randint(0, self.TABLE_SIZE, shape, generator=gen or self.gen).to(self.device)
        return self.table[idx]


class _SGNS(_Word2Vec):
    """Skip-gram as block matrix products.

    The step's centre words are cut into blocks of BLOCK consecutive tokens. A block's
    output rows are the tokens of its span widened by the window on both sides, plus
    SHARED noise words drawn for the whole block. One batched matmul scores every
    (centre, row) couple of every block; a mask keeps the real (centre, context) pairs
    (random window shrink, same sentence), and each centre weighs the shared noise words
    by K x its pairs / SHARED (an unbiased estimate of K draws per pair, with less
    variance). Two more matmuls give the closed-form gradients of both matrices, applied
    with one row-wise ``scatter_add_`` per matrix (index_add_'s CPU kernel adds row by
    row, ~3x slower). BLAS does the work; no per-pair gathers.
    """

    BLOCK = 16  # centre words per block
    SHARED = 32  # noise words shared by a block's centres (more: better analogies, slower)
    LOSS_EVERY = 4  # the shown loss is estimated on every 4th block

    def _offsets(self, w: int) -> torch.Tensor:
        """|context - centre| for (centre i, window row j) of a block; w + 1 on the centre itself."""
        cached = getattr(self, "_rel", None)
        if cached is None or cached[0] != w:
            rel = (torch.arange(self.BLOCK + 2 * w).unsqueeze(0) - w
                   - torch.arange(self.BLOCK).unsqueeze(1)).abs()
            rel[rel == 0] = w + 1
            cached = self._rel = (w, rel.to(self.device))
        return cached[1]

    @torch.no_grad()
    def _step(self, t, s, b, lr: float, gen=None) -> float:
        X, U = self.X, self.U
        cfg = self.config
        T, d = len(t), X.shape[1]
        w, K, C = int(cfg.window), int(cfg.negative), self.BLOCK
        N = self.SHARED if K > 0 else 0
        nb = -(-T // C)
        pad = nb * C - T
        W = C + 2 * w  # window rows of a block
        t_c = F.pad(t, (0, pad))
        s_c = F.pad(s, (0, pad), value=-2).view(nb, C, 1)
        b_c = F.pad(b, (0, pad)).view(nb, C, 1)
        win = F.pad(t, (w, pad + w)).unfold(0, W, C)  # (nb, W)
        s_win = F.pad(s, (w, pad + w), value=-1).unfold(0, W, C).unsqueeze(1)
        mask = ((self._offsets(w) <= b_c) & (s_win == s_c)).to(X.dtype)  # (nb, C, W)
        pairs = mask.sum(2)  # (nb, C): the pairs each centre takes part in
        wneg = pairs * (K / N) if N else pairs  # (nb, C): each centre's weight per noise word
        if N:
            noise = self._negatives((nb, N), gen)
            out_ids = torch.cat([win, noise], 1).reshape(-1)
            # how much each output row takes part in: its pairs, or its noise weights
            col = torch.cat([mask.sum(1), wneg.sum(1, keepdim=True).expand(nb, N)], 1)
        else:
            out_ids, col = win.reshape(-1), mask.sum(1)
        L = W + N
        x = X.index_select(0, t_c).view(nb, C, d)
        o = U.index_select(0, out_ids).view(nb, L, d)
        score = torch.bmm(x, o.transpose(1, 2))  # (nb, C, L)
        # The loss (shown, not trained on) is estimated on every LOSS_EVERY-th block:
        # -log s(pos) for pairs, -log(1 - s(neg)) = -(log s(neg) - neg) for noise.
        sub = slice(None, None, self.LOSS_EVERY)
        ls = F.logsigmoid(score[sub])
        loss = -torch.dot(ls[:, :, :W].reshape(-1), mask[sub].reshape(-1))
        if N:
            loss -= torch.dot((ls[:, :, W:] - score[sub, :, W:]).sum(2).reshape(-1),
                              wneg[sub].reshape(-1))
        sampled = pairs[sub].sum()
        grad = torch.sigmoid(score)
        grad[:, :, :W].sub_(1.0).mul_(mask)  # (s - 1) on the pairs
        if N:
            grad[:, :, W:].mul_(wneg.unsqueeze(2))  # s x weight on the noise
        V = X.shape[0]
        cap = self.MAX_STEP / max(lr, 1e-12)
        # A row summed over many pairs in one step moves at most like `cap` single
        # updates: the batched step stays stable where sequential SGD would be. The
        # scales carry -lr, so the products are the updates themselves.
        load_u = torch.bincount(out_ids, weights=col.reshape(-1), minlength=V)
        scale_u = (-lr * cap / load_u.clamp(min=cap)).to(X.dtype)[out_ids].view(nb, 1, L)
        if not cfg.freeze_embeddings:
            load_x = torch.bincount(t_c, weights=pairs.view(-1) * (1 + K), minlength=V)
            scale_x = (-lr * cap / load_x.clamp(min=cap)).to(X.dtype)[t_c].view(nb, C, 1)
            gx = torch.bmm(grad * scale_x, o)
        go = torch.bmm(grad.mul_(scale_u).transpose(1, 2), x)  # (nb, L, d)
        # scatter_add_ along rows: a single pass (index_add_ on CPU adds row by row).
        U.scatter_add_(0, out_ids.unsqueeze(1).expand(-1, d), go.view(-1, d))
        if not cfg.freeze_embeddings:
            X.scatter_add_(0, t_c.unsqueeze(1).expand(-1, d), gx.view(-1, d))
        return float(loss / sampled.clamp(min=1.0))


class _CBOW(_Word2Vec):
    @torch.no_grad()
    def _step(self, t, s, b, lr: float, gen=None) -> float:
        X, U = self.X, self.U
        T = len(t)
        x = X.index_select(0, t)
        h = torch.zeros_like(x)
        count = torch.zeros(T, device=x.device)
        masks = []
        for o in range(1, min(self.config.window, T - 1) + 1):
            same = s[o:] == s[:-o]
            mf = (same & (b[:-o] >= o)).to(x.dtype)  # centre a, context a+o
            mb = (same & (b[o:] >= o)).to(x.dtype)  # centre a+o, context a
            h[:-o].addcmul_(mf.unsqueeze(1), x[o:])
            h[o:].addcmul_(mb.unsqueeze(1), x[:-o])
            count[:-o] += mf
            count[o:] += mb
            masks.append((o, mf, mb))
        has = (count > 0).to(x.dtype)
        h = h / count.clamp(min=1.0).unsqueeze(1)
        y = U.index_select(0, t)
        sp = (h * y).sum(1)
        loss = -(F.logsigmoid(sp) * has).sum()
        gp = ((torch.sigmoid(sp) - 1.0) * has).unsqueeze(1)
        gh = gp * y
        gy = gp * h
        K = self.config.negative
        if K > 0:
            neg = self._negatives((T, K), gen)
            un = U.index_select(0, neg.reshape(-1)).view(T, K, -1)
            sn = torch.bmm(un, h.unsqueeze(2)).squeeze(2)
            loss -= (F.logsigmoid(-sn).sum(1) * has).sum()
            gn = torch.sigmoid(sn) * has.unsqueeze(1)
            gh.add_(torch.bmm(gn.unsqueeze(1), un).squeeze(1))
            U.index_add_(0, neg.reshape(-1), (gn.unsqueeze(2) * h.unsqueeze(1)).view(T * K, -1), alpha=-lr)
        U.index_add_(0, t, gy, alpha=-lr)
        if not self.config.freeze_embeddings:
            # Like word2vec (cbow_mean): every context row takes the mean's full error.
            gx = torch.zeros_like(x)
            for o, mf, mb in masks:
                gx[o:].addcmul_(mf.unsqueeze(1), gh[:-o])
                gx[:-o].addcmul_(mb.unsqueeze(1), gh[o:])
            X.index_add_(0, t, gx, alpha=-lr)
        return float(loss / has.sum().clamp(min=1.0))


# ----------------------------------------------------------------------------- language model
class TinyTransformerLM(nn.Module):
    """Token embedding + positional encoding + one causal self-attention block + output."""

    def __init__(self, embedding: torch.Tensor, context_length: int, positional: str = "sinusoidal",
                 tied: bool = True, freeze_embeddings: bool = False) -> None:
        super().__init__()
        from explorer.core.matrix.positional import sinusoidal

        vocab_size, dim = embedding.shape
        self.embed = nn.Parameter(embedding.clone(), requires_grad=not freeze_embeddings)
        if positional == "learned":
            self.pos = nn.Parameter(torch.randn(context_length, dim) * 0.02)
        elif positional == "sinusoidal":
            self.register_buffer("pos", torch.from_numpy(sinusoidal(context_length, dim)))
        else:
            raise ExplorerError(f"unknown positional encoding {positional!r}; choose sinusoidal or learned")
        heads = next(h for h in (4, 2, 1) if dim % h == 0)
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.ln_f = nn.LayerNorm(dim)
        self.tied = tied
        self.out = None if tied else nn.Linear(dim, vocab_size, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length,
                                                           dtype=torch.bool), diagonal=1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        h = F.embedding(ids, self.embed) + self.pos[:length]
        a = self.ln1(h)
        h = h + self.attn(a, a, a, attn_mask=self.mask[:length, :length], need_weights=False)[0]
        h = h + self.mlp(self.ln2(h))
        h = self.ln_f(h)
        return h @ self.embed.T if self.tied else self.out(h)


class _Torch:
    """Shared by the optimizer-driven objectives (lm, classify)."""

    def embedding(self) -> np.ndarray:
        return self.embed_param().detach().cpu().numpy().copy()

    def _optimizer(self, module: nn.Module) -> torch.optim.Optimizer:
        params = [p for p in module.parameters() if p.requires_grad]
        return torch.optim.Adam(params, lr=self.config.learning_rate)


class _LM(_Torch):
    def __init__(self, corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig,
                 device: torch.device) -> None:
        self.corpus, self.config, self.device = corpus, config, device
        torch.manual_seed(int(config.seed))
        self.gen = torch.Generator(device="cpu").manual_seed(int(config.seed))
        self.length = max(2, min(int(config.context_length), max(2, len(corpus.ids) - 1)))
        self.model = TinyTransformerLM(torch.from_numpy(weights), self.length, config.positional,
                                       config.tied, config.freeze_embeddings).to(device)
        self.opt = self._optimizer(self.model)
        self.ids = torch.from_numpy(corpus.ids).to(device)

    def embed_param(self) -> torch.Tensor:
        return self.model.embed

    def steps(self) -> Iterator[_Step]:
        cfg, L = self.config, self.length
        n = len(self.ids)
        if n < L + 1:
            raise ExplorerError(f"the corpus has {n} tokens: too few for a context of {L}")
        rows = max(1, cfg.batch_size // L)
        per_epoch = max(1, (n - 1) // (rows * L))
        total = per_epoch * cfg.epochs
        starts_range = torch.arange(L + 1, device=self.device)
        for epoch in range(cfg.epochs):
            for k in range(per_epoch):
                step = epoch * per_epoch + k
                lr = _linear_lr(cfg, step / total)
                for group in self.opt.param_groups:
                    group["lr"] = lr
                starts = torch.randint(0, n - L, (rows,), generator=self.gen).to(self.device)
                seq = self.ids[starts.unsqueeze(1) + starts_range]
                logits = self.model(seq[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), seq[:, 1:].reshape(-1))
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                value = float(loss.detach())
                if math.isfinite(value):
                    self.opt.step()
                yield _Step(epoch, (step + 1) / total, int((step + 1) * rows * L), value, lr)


class _Classify(_Torch):
    def __init__(self, corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig,
                 device: torch.device) -> None:
        if corpus.labels is None or not corpus.label_names:
            raise ExplorerError("the classification objective needs labelled lines "
                                "(`__label__name text`, as in fastText)", corpus.source or None)
        self.corpus, self.config, self.device = corpus, config, device
        torch.manual_seed(int(config.seed))
        self.gen = torch.Generator(device="cpu").manual_seed(int(config.seed))
        dim = weights.shape[1]
        self.embed = nn.Parameter(torch.from_numpy(weights.copy()).to(device),
                                  requires_grad=not config.freeze_embeddings)
        self.head = nn.Linear(dim, len(corpus.label_names)).to(device)
        module = nn.Module()
        module.embed, module.head = self.embed, self.head
        self.opt = self._optimizer(module)
        lengths = np.diff(corpus.offsets)
        self.rows = np.flatnonzero((corpus.labels >= 0) & (lengths > 0))
        if len(self.rows) == 0:
            raise ExplorerError("no labelled line has a token of the vocabulary", corpus.source or None)

    def embed_param(self) -> torch.Tensor:
        return self.embed

    def steps(self) -> Iterator[_Step]:
        cfg, c = self.config, self.corpus
        lengths = np.diff(c.offsets)
        mean_len = max(1.0, float(lengths[self.rows].mean()))
        per_batch = max(1, min(len(self.rows), int(cfg.batch_size / mean_len)))
        per_epoch = math.ceil(len(self.rows) / per_batch)
        total = per_epoch * cfg.epochs
        seen = 0
        for epoch in range(cfg.epochs):
            order = self.rows[torch.randperm(len(self.rows), generator=self.gen).numpy()]
            for k in range(per_epoch):
                step = epoch * per_epoch + k
                batch = order[k * per_batch:(k + 1) * per_batch]
                lr = _linear_lr(cfg, step / total)
                for group in self.opt.param_groups:
                    group["lr"] = lr
                starts, lens = c.offsets[batch], lengths[batch]
                flat = np.concatenate([c.ids[a:a + n] for a, n in zip(starts, lens)])
                offs = np.concatenate([[0], np.cumsum(lens)[:-1]])
                feats = F.embedding_bag(torch.from_numpy(flat).to(self.device), self.embed,
                                        torch.from_numpy(offs).to(self.device), mode="mean")
                logits = self.head(feats)
                target = torch.from_numpy(c.labels[batch]).to(self.device)
                loss = F.cross_entropy(logits, target)
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                value = float(loss.detach())
                if math.isfinite(value):
                    self.opt.step()
                seen += int(lens.sum())
                accuracy = float((logits.argmax(1) == target).float().mean())
                yield _Step(epoch, (step + 1) / total, seen, value, lr, {"accuracy": accuracy})

    def predict(self, corpus: EncodedCorpus) -> np.ndarray:
        with torch.no_grad():
            lengths = np.diff(corpus.offsets)
            feats = F.embedding_bag(torch.from_numpy(corpus.ids).to(self.device), self.embed,
                                    torch.from_numpy(corpus.offsets[:-1]).to(self.device), mode="mean")
            return self.head(feats).argmax(1).cpu().numpy() * (lengths > 0) - (lengths == 0)


_MODELS = {"sgns": _SGNS, "cbow": _CBOW, "lm": _LM, "classify": _Classify}


def _model(corpus: EncodedCorpus, weights: np.ndarray, config: TrainConfig, device: torch.device):
    """sgns/cbow train with the numba kernel on the CPU and with torch on CUDA."""
    if config.objective in ("sgns", "cbow") and device.type == "cpu":
        return _Kernel(corpus, weights, config, device)
    return _MODELS[config.objective](corpus, weights, config, device)


# ----------------------------------------------------------------------------- init race
def race(corpus: EncodedCorpus, starts: dict[str, np.ndarray], config: TrainConfig,
         should_cancel=None) -> Iterator[tuple[str, Snapshot]]:
    """Train the same objective, data and seed from several starting matrices,
    interleaved step by step; yields (name, snapshot) as each run reports."""
    runs = {name: train(corpus, w, config) for name, w in starts.items()}
    while runs:
        for name in list(runs):
            try:
                snap = next(runs[name])
            except StopIteration:
                del runs[name]
                continue
            yield name, snap
            if should_cancel is not None and should_cancel():
                raise Cancelled()
