"""The built-in demo: a seeded "toy world" corpus over a few semantic categories.

Words of one category fill the same slots of the same templates, so they share
contexts; a few seconds of skip-gram training pulls each category together.
"""

from __future__ import annotations

import random

from explorer.core.tokens.vocab import Vocabulary, WordTokenizer, build_vocab

CATEGORIES: dict[str, list[str]] = {
    "animal": ["dog", "cat", "fox", "horse", "cow", "duck", "sheep", "pig",
               "rabbit", "mouse", "wolf", "goat", "bear", "lion"],
    "fruit": ["apple", "banana", "orange", "grape", "pear", "cherry", "mango",
              "peach", "lemon", "plum", "melon", "kiwi"],
    "city": ["london", "boston", "paris", "tokyo", "berlin", "rome", "madrid",
             "dublin", "sydney", "cairo", "oslo", "lima"],
    "colour": ["brown", "red", "green", "blue", "yellow", "black", "white",
               "purple", "grey", "pink"],
    "verb": ["jump", "run", "sleep", "walk", "swim", "hide", "play", "rest"],
    "feeling": ["love", "like", "hate", "enjoy", "adore", "want"],
    "person": ["she", "he", "they", "we", "i", "you"],
    "animal trait": ["lazy", "quick", "sleepy", "wild", "tame", "hungry"],
    "taste": ["ripe", "sweet", "sour", "juicy", "fresh", "tasty"],
    "sound": ["quack", "woof", "meow", "moo", "baa", "oink", "howl", "roar",
              "neigh", "squeak", "yip", "growl"],
}

# Each animal's own sound, so "the duck says quack" stays true to life.
ANIMAL_SOUND = {"dog": "woof", "cat": "meow", "cow": "moo", "duck": "quack", "sheep": "baa",
                "pig": "oink", "wolf": "howl", "lion": "roar", "fox": "yip", "goat": "baa",
                "bear": "growl", "horse": "neigh", "rabbit": "squeak", "mouse": "squeak"}

TEMPLATES = [
    "the {trait} {colour} {animal} can {verb} over the {trait} {animal}",
    "the {trait} {animal} likes to {verb} near the {animal}",
    "the {animal} says {sound}",
    "a {trait} {animal} will {verb} and {verb} all day",
    "{person} {feeling} to eat a {taste} {fruit}",
    "{person} {feeling} the {taste} {fruit} and the {taste} {fruit}",
    "a {fruit} is {taste} and {taste}",
    "{person} bought a {taste} {fruit} at the market",
    "{person} flew from {city} to {city}",
    "{person} lives in {city} near {city}",
    "the train from {city} to {city} was late",
    "{city} is a big city and {city} is a big city too",
    "the wall was painted {colour} and {colour}",
    "{person} wore a {colour} coat and a {colour} hat",
    "{person} {feeling} the {animal}",
    "{person} and {person} {feeling} to {verb}",
]

DEMO_SENTENCES = 6000


def demo_corpus(seed: int = 0, n_sentences: int = DEMO_SENTENCES) -> list[str]:
    """Return `n_sentences` templated sentences; identical for the same seed."""
    rng = random.Random(seed)
    sentences = ["the quick brown fox can jump over the lazy dog"]
    while len(sentences) < n_sentences:
        template = rng.choice(TEMPLATES)
        animal = None

        def fill(slot: str) -> str:
            nonlocal animal
            if slot == "sound" and animal is not None:
                return ANIMAL_SOUND[animal]
            category = {"trait": "animal trait"}.get(slot, slot)
            word = rng.choice(CATEGORIES[category])
            if slot == "animal":
                animal = word
            return word

        words = [fill(w[1:-1]) if w.startswith("{") else w for w in template.split()]
        sentences.append(" ".join(words))
    return sentences


def demo_categories() -> dict[str, str]:
    """token -> category name, for colouring; tokens not listed are 'function'."""
    return {word: name for name, words in CATEGORIES.items() for word in words}


def demo_vocabulary(seed: int = 0) -> Vocabulary:
    """The demo corpus's vocabulary in alphabetical order (brown < dog < fox ...)."""
    vocab = build_vocab(demo_corpus(seed), WordTokenizer(), order="alpha", source="demo")
    vocab.kind = "demo"
    return vocab


def category_labels(vocab: Vocabulary) -> list[str]:
    """One category per token of `vocab` (function words are 'function')."""
    categories = demo_categories()
    return [categories.get(token, "function") for token in vocab.tokens]
