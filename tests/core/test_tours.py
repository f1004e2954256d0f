"""Tour files: every shipped tour loads and validates; bad files get clear errors naming
the file, the line (JSON syntax) or the step."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core import ExplorerError
from explorer.core.tours import (
    STEP_KEYS, Tour, Trails, build_vocab_spec, fill_caption, find_tour, load_tour, parse_tour, shipped_tour_paths,
    shipped_tours,
)

EXPECTED = ["why-not-integers", "vocabulary-to-ids", "lookup-is-a-row", "initialization-matters",
            "training-creates-meaning", "pretrained-vs-random", "positional-encoding", "dimensionality",
            "unknown-words-and-subwords"]


def write(tmp_path, data, name="tour.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_the_nine_shipped_tours_load_and_validate():
    tours = shipped_tours()
    assert [t.name for t in tours] == EXPECTED
    for tour in tours:
        assert tour.title and len(tour) >= 2
        for step in tour.steps:
            assert step.caption.strip() and set(step.data) <= set(STEP_KEYS)
            data, _missing = tour.effective(step)
            assert "caption" in data and "if_missing" not in data


def test_shipped_tours_keep_training_short():
    """Tours and their tests stay fast: a few seconds of training per step."""
    for tour in shipped_tours():
        for step in tour.steps:
            for data in (step.data, step.data.get("if_missing") or {}):
                if data.get("train"):
                    assert data["train"].get("epochs", 5) <= 8, (tour.name, step.number)
                if data.get("race"):
                    assert data["race"].get("epochs", 3) <= 4, (tour.name, step.number)


def test_steps_that_need_files_other_than_samples_say_what_happens_without_them():
    for tour in shipped_tours():
        for step in tour.steps:
            if [f for f in step.files() if not f.startswith("sample:")]:
                assert "if_missing" in step.data and "caption" in step.data["if_missing"], (tour.name, step.number)


def test_shipped_tours_use_the_bundled_samples_which_are_always_there():
    used = set()
    for tour in shipped_tours():
        for step in tour.steps:
            rows = (step.data.get("tokenize") or {}).get("tokenizers", [])
            files = step.files() + [row["file"] for row in rows if "file" in row]
            assert all(f.startswith("sample:") for f in files), (tour.name, step.number, files)
            assert tour.missing(step) == [] and "if_missing" not in step.data, (tour.name, step.number)
            used.update(files)
    assert used == {"sample:gpt2", "sample:bert", "sample:minilm"}
    pretrained = find_tour("pretrained-vs-random")
    table, tokens, tensor = pretrained.vectors_source(pretrained.steps[0].data["vectors"])
    assert (table.name, tokens.name, tensor) == ("embeddings.safetensors", "vocab.txt",
                                                 "embeddings.word_embeddings.weight")
    assert table.is_file() and tokens.is_file()
    assert (find_tour("3").resolve("sample:gpt2") / "encoder.json").is_file()


def test_a_tour_file_of_ones_own_can_use_samples_and_its_own_tokens(tmp_path):
    words = write(tmp_path, "king\nqueen\n", "words.txt")
    tour = load_tour(write(tmp_path, {"title": "T", "steps": [
        {"caption": "a", "vectors": {"file": "sample:minilm", "vocab_file": "words.txt", "tensor": "t"}},
        {"caption": "b", "vectors": {"file": "mine.npy", "vocab_file": "sample:bert"}},
    ]}))
    table, tokens, tensor = tour.vectors_source(tour.steps[0].data["vectors"])
    assert table.name == "embeddings.safetensors" and tokens == words and tensor == "t"
    table, tokens, tensor = tour.vectors_source(tour.steps[1].data["vectors"])
    assert table is None and tokens.name == "bert" and tensor is None  # mine.npy is not here
    assert tour.missing(tour.steps[1]) == ["mine.npy"]


def test_find_tour_by_number_name_stem_or_path():
    assert find_tour("1").name == "why-not-integers"
    assert find_tour("dimensionality").name == "dimensionality"
    assert find_tour("09-unknown-words-and-subwords").name == "unknown-words-and-subwords"
    assert find_tour(str(shipped_tour_paths()[2])).name == "lookup-is-a-row"
    with pytest.raises(ExplorerError, match="no tour named 'nope'.*why-not-integers"):
        find_tour("nope")


def test_json_syntax_errors_name_the_file_and_line(tmp_path):
    path = write(tmp_path, '{\n  "title": "T",\n  "steps": [\n    {"caption": "a",}\n  ]\n}\n')
    with pytest.raises(ExplorerError) as info:
        load_tour(path)
    assert str(info.value).startswith(f"{path}, line 4: not valid JSON")


@pytest.mark.parametrize("data, message", [
    ({"steps": [{"caption": "a"}]}, "the tour needs 'title'"),
    ({"title": "T", "steps": []}, '"steps" must be a non-empty list'),
    ({"title": "T", "steps": [{"caption": "a"}, {"title": "no caption"}]}, 'step 2 needs a "caption"'),
    ({"title": "T", "steps": [{"caption": "a", "slect": ["dog"]}]}, "step 1: unknown key 'slect'"),
    ({"title": "T", "steps": [{"caption": "a", "init": {"scheme": "gaussian"}}]},
     "step 1.init.scheme must be one of normal"),
    ({"title": "T", "steps": [{"caption": "a", "init": {"dim": -3}}]}, "step 1.init.dim"),
    ({"title": "T", "steps": [{"caption": "a", "init": {"scheme": "zeros", "params": {"std": 1}}}]},
     "step 1.init.params has an unknown key 'std'"),
    ({"title": "T", "steps": [{"caption": "a", "vocab": "demo2"}]}, 'step 1.vocab must be "demo"'),
    ({"title": "T", "steps": [{"caption": "a", "vocab": {"tokens": ["a"], "file": "x"}}]}, "exactly one of"),
    ({"title": "T", "steps": [{"caption": "a", "train": {"epochs": 0}}]}, "step 1.train.epochs must be at least 1"),
    ({"title": "T", "steps": [{"caption": "a", "race": {"schemes": ["zeros"]}}]}, "2 to 4 schemes"),
    ({"title": "T", "steps": [{"caption": "a", "inspector": {"tab": "histogram"}}]}, "step 1.inspector.tab"),
    ({"title": "T", "steps": [{"caption": "a", "inspector": {"analogy": ["a", "b"]}}]}, "analogy"),
    ({"title": "T", "steps": [{"caption": "a", "projection": {"dims": 4}}]}, "step 1.projection.dims"),
    ({"title": "T", "steps": [{"caption": "a", "show": ["Sidebar"]}]}, "step 1.show[0] must be one of"),
    ({"title": "T", "steps": [{"caption": "a", "if_missing": {"init": {"seed": "x"}}}]},
     "step 1.if_missing.init.seed must be a whole number"),
    ({"title": "T", "steps": ["just text"]}, "step 1 must be an object"),
    ({"title": "T", "steps": [{"caption": "a", "vocab": {"file": "sample:gtp2"}}]},
     "step 1.vocab.file: no sample named 'gtp2'; the samples are sample:gpt2, sample:bert, sample:minilm"),
    ({"title": "T", "steps": [{"caption": "a", "vectors": {"file": "sample:gpt2"}}]},
     "step 1.vectors.file: sample:gpt2 is a vocabulary (GPT-2 vocabulary), not vectors"),
    ({"title": "T", "steps": [{"caption": "a", "tokenize": {"text": "x", "tokenizers": [{"file": "sample:x"}]}}]},
     "step 1.tokenize.tokenizers[0].file: no sample named 'x'"),
])
def test_invalid_tours_name_the_file_and_the_step(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(ExplorerError) as info:
        load_tour(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ExplorerError, match="no such tour file"):
        load_tour(tmp_path / "absent.json")
    with pytest.raises(ExplorerError, match="is a folder"):
        load_tour(tmp_path)
    bad = tmp_path / "latin1.json"
    bad.write_bytes(b'{"title": "caf\xe9", "steps": []}')
    with pytest.raises(ExplorerError, match="not UTF-8"):
        load_tour(bad)


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(STEP_KEYS + ("title", "steps", "x")), inner, max_size=4),
                    max_leaves=12))
def test_any_json_either_parses_or_raises_explorer_error(data):
    try:
        tour = parse_tour(data, "gen.json")
    except ExplorerError as exc:
        assert str(exc).startswith("gen.json: ")
    else:
        assert isinstance(tour, Tour) and tour.steps


def test_if_missing_replaces_keys_when_a_file_is_absent(tmp_path):
    present = write(tmp_path, "brown\ndog\n", "words.txt")
    tour = load_tour(write(tmp_path, {"title": "T", "steps": [
        {"caption": "file", "vocab": {"file": "words.txt"}, "init": {"dim": 4},
         "if_missing": {"caption": "other", "vocab": "demo", "init": None}},
        {"caption": "absent", "vocab": {"file": "nowhere/words.txt"}, "init": {"dim": 4},
         "if_missing": {"caption": "other", "vocab": "demo", "init": None}},
    ]}))
    data, missing = tour.effective(tour.steps[0])
    assert missing == [] and data["vocab"] == {"file": "words.txt"} and tour.resolve("words.txt") == present
    data, missing = tour.effective(tour.steps[1])
    assert missing == ["nowhere/words.txt"] and data["vocab"] == "demo" and "init" not in data
    assert data["caption"] == "other"


def test_captions_fill_in_ids_and_shapes():
    import numpy as np

    vocab, categories = build_vocab_spec({"text": "the quick brown fox jumps over the lazy dog", "order": "alpha"})
    assert vocab.tokens[:3] == ["brown", "dog", "fox"] and categories[1] == "animal"
    text = fill_caption("brown={id:brown}, dog={id:dog}, cat={id:cat}; {vocab_size} tokens, {shape}, dim {dim}",
                        vocab, np.zeros((8, 16), np.float32))
    assert text == "brown=0, dog=1, cat=?; 8 tokens, 8 × 16, dim 16"


def test_word_vocabulary_with_unk():
    vocab, _ = build_vocab_spec({"text": "the cat sat", "order": "alpha", "specials": ["unk"]})
    assert vocab.tokens == ["<unk>", "cat", "sat", "the"]
    assert vocab.encode("the rambutan") == (["the", "rambutan"], [3, 0])


def test_a_tour_is_found_again_by_its_ref(tmp_path):
    shipped = find_tour("5")
    assert shipped.ref == "training-creates-meaning" and find_tour(shipped.ref).title == shipped.title
    mine = load_tour(write(tmp_path, {"title": "Mine", "steps": [{"caption": "one"}, {"caption": "two"}]}))
    assert mine.ref == str(tmp_path / "tour.json") and find_tour(mine.ref).title == "Mine"


def _frames(n_frames=5, rows=40, dim=6, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    start = rng.normal(size=(rows, dim)).astype(np.float32)
    drift = rng.normal(size=(rows, dim)).astype(np.float32)
    return [start + 0.3 * k * drift for k in range(n_frames)]


@pytest.mark.parametrize("sphereize", [False, True])
def test_trails_end_at_their_tokens_points_in_any_fitted_projection(sphereize):
    """Kept as weight rows, trails are drawn through the projection shown, even one fitted
    afresh with flipped axes: the last point is the token's own point there."""
    import dataclasses

    import numpy as np

    from explorer.core.projection.project import ProjectionSettings, project

    frames = _frames()
    ids = [3, 17, 29]
    trails = Trails(ids)
    for weights in frames:
        trails.add(weights)
    trails.add(frames[-1])  # the run's final matrix again: not a new frame
    assert len(trails) == len(frames)
    settings = ProjectionSettings(sphereize=sphereize)
    first = project(frames[0], settings)
    live = project(frames[-1], settings, first)  # the basis of the start, kept
    flipped = dataclasses.replace(live, coords=-live.coords)  # forces a sign flip on the re-fit
    for shown in (live, project(frames[-1], settings, flipped, refit=True)):
        paths = trails.paths(shown)
        assert len(paths) == len(frames)
        np.testing.assert_allclose(paths[-1], shown.coords[ids], atol=1e-4)
    tsne_like = dataclasses.replace(first, basis=None)
    assert trails.paths(tsne_like) is None and trails.paths(None) is None


def test_trails_keep_the_first_and_latest_frames_when_thinned_and_hide_tokens_outside_a_sample():
    import numpy as np

    from explorer.core.projection.project import ProjectionSettings, project

    frames = _frames(n_frames=11)
    trails = Trails([0, 1], max_frames=4)
    for weights in frames:
        trails.add(weights)
    assert 2 <= len(trails) <= 4
    assert np.array_equal(trails.rows[0], frames[0][[0, 1]]) and np.array_equal(trails.rows[-1], frames[-1][[0, 1]])
    sampled = project(frames[-1], ProjectionSettings(sample=10, seed=3))
    inside = [i for i in (0, 1) if i in set(sampled.ids.tolist())]
    last = trails.paths(sampled)[-1]
    for row, token in enumerate((0, 1)):
        assert np.isfinite(last[row]).all() == (token in inside)


def test_step_docks_are_the_docks_its_caption_names_and_shows():
    from explorer.core.tours import step_docks

    assert step_docks({"caption": "the loss falls in the Training dock; dog's neighbours (Inspector)"}) == [
        "Training", "Inspector"]
    assert step_docks({"caption": "no dock here", "show": ["Vocabulary"]}) == ["Vocabulary"]
    assert step_docks({"caption": "training a model"}) == []  # "training" alone names no dock


def test_every_shipped_step_that_points_to_a_dock_names_it():
    """The player shows the docks a caption names; a caption that sends the audience to a panel
    ("dog's nearest neighbours", "the loss curves") must name it, so presenting shows it too."""
    from explorer.core.tours import step_docks

    for tour in shipped_tours():
        for number, step in enumerate(tour.steps, 1):
            data, _missing = tour.effective(step)
            docks = step_docks(data)
            if "inspector" in data and "neighbours" in data["caption"]:
                assert "Inspector" in docks, (tour.title, number)
            if "race" in data or "loss" in data["caption"]:
                assert "Training" in docks, (tour.title, number)


def test_a_word_vocabulary_shows_what_its_splitter_skips_as_unknown():
    """Tour 9: the emoji vanished from the word vocabulary's pieces; now it is <unk>, as the caption says."""
    from explorer.core.tours import word_pieces

    vocab, _ = build_vocab_spec({"text": "the cat sat on the mat and the dog ate a banana", "order": "alpha",
                                 "specials": ["unk"]})
    pieces, ids = word_pieces(vocab, "The dog ate an unbelievably tasty rambutan 🍉!")
    assert pieces == ["the", "dog", "ate", "an", "unbelievably", "tasty", "rambutan", "🍉"]
    assert ids[:3] == [vocab.index["the"], vocab.index["dog"], vocab.index["ate"]]
    assert ids[3:] == [vocab.unk_id] * 5
    no_unk, _ = build_vocab_spec({"tokens": ["dog"], "order": "alpha"})
    assert word_pieces(no_unk, "dog 🍉") == (["dog", "🍉"], [0, None])  # not in the vocabulary, shown as such


def test_race_summary_lists_final_losses_lowest_first():
    from explorer.core.tours import race_summary

    curves = {"zeros": [(5, 4.12), (10, 4.11)], "normal": [(5, 2.5), (10, 1.9)], "xavier_uniform": [(10, 2.0)],
              "empty": []}
    assert race_summary(curves, {"normal": "N(0, 1)"}) == [("N(0, 1)", 1.9), ("xavier_uniform", 2.0), ("zeros", 4.11)]
