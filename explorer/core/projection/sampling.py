"""How many rows a projection starts on: the auto-sample policy.

A full t-SNE of 50,000 points takes minutes on a laptop, so t-SNE and UMAP start on a
stated sample of 5,000 rows above 10,000 tokens (the user can switch it off). The sample
is a setting (`ProjectionSettings.sample`); these functions say what it should become
when the method or the vocabulary changes.
"""

from __future__ import annotations

DEFAULT_SAMPLE = 5000
AUTO_SAMPLE_ABOVE = 10_000
SLOW_METHODS = ("tsne", "umap")


def default_sample(n_tokens: int, method: str) -> int | None:
    """The sample a projection of `n_tokens` rows starts on (None: every row)."""
    if method in SLOW_METHODS and n_tokens > AUTO_SAMPLE_ABOVE:
        return DEFAULT_SAMPLE
    return None


def suggested_sample(n_tokens: int) -> int:
    """The figure the Sample box offers while sampling is off."""
    return max(3, min(DEFAULT_SAMPLE, n_tokens))


def sample_for_method(sample: int | None, n_tokens: int, method: str) -> int | None:
    """The sample after switching to `method`: a chosen sample stays; none gets the default."""
    return sample if sample is not None else default_sample(n_tokens, method)


def sample_for_vocabulary(sample: int | None, n_tokens: int, method: str) -> int | None:
    """The sample after the vocabulary changed: one that still picks some of the rows stays;
    one that no longer fits (as many rows as the vocabulary, or more), or none, is reset
    to the default for the new size."""
    if sample is not None and sample < n_tokens:
        return sample
    return default_sample(n_tokens, method)
