"""Embedding Explorer: see token embeddings initialized, trained and projected.

From a script or a notebook (nothing heavy is imported until used):

    import explorer
    explorer.show(model.embed.weight, tokens=vocab)        # open the window on a matrix
    with explorer.Run("run.eerun", tokens=vocab) as run:   # log a training loop ...
        run.log(step, model.embed.weight, loss)            # ... that the window can watch live
"""

__version__ = "0.1.0"
__all__ = ["Run", "show", "__version__"]


def __getattr__(name: str):
    # `import explorer` stays light (no Qt, no torch): the API loads when first used.
    if name in ("Run", "show"):
        from explorer import api

        return getattr(api, name)
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")
