from explorer.core.tokens.demo import CATEGORIES, category_labels, demo_corpus, demo_vocabulary

CONCEPT_TOKENS = ["brown", "dog", "fox", "jump", "lazy", "love", "quack", "she", "cat",
                  "apple", "banana", "boston", "london"]


def test_same_seed_same_corpus_other_seed_other_corpus():
    assert demo_corpus(seed=3) == demo_corpus(seed=3)
    assert demo_corpus(seed=3) != demo_corpus(seed=4)


def test_vocabulary_has_the_concept_tokens_in_alphabetical_order():
    vocab = demo_vocabulary()
    for token in CONCEPT_TOKENS:
        assert token in vocab.index, token
    assert vocab.tokens == sorted(vocab.tokens)
    assert vocab.index["brown"] < vocab.index["dog"] < vocab.index["fox"]
    assert vocab.counts.min() >= 1


def test_every_category_word_occurs_and_is_labelled():
    vocab = demo_vocabulary()
    labels = dict(zip(vocab.tokens, category_labels(vocab)))
    for category, words in CATEGORIES.items():
        for word in words:
            assert labels[word] == category
    assert labels["the"] == "function"
