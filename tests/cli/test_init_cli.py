"""`embedding-explorer init` and `embedding-explorer vectors`."""

from __future__ import annotations

import json

import pytest

from explorer.cli import main


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_init_prints_the_statistics_of_a_scheme(capsys, tmp_path):
    vocab = tmp_path / "words.txt"
    vocab.write_text("".join(f"w{i}\n" for i in range(300)))
    out = run_json(capsys, ["init", "--vocab", str(vocab), "--scheme", "normal", "--dim", "64", "--seed", "3",
                            "--json"])
    for key in ("mean", "std", "norm_mean", "mean_cosine", "effective_rank"):
        assert key in out
    assert out["rows"] == 300 and out["dim"] == 64 and abs(out["std"] - 1) < 0.02
    assert abs(out["norm_mean"] - 8) < 0.3 and "coverage" not in out
    again = run_json(capsys, ["init", "--vocab", str(vocab), "--scheme", "normal", "--dim", "64", "--seed", "3",
                              "--json"])
    assert again["mean"] == out["mean"]  # seeded


def test_init_parameters_and_the_demo_vocabulary(capsys):
    out = run_json(capsys, ["init", "--scheme", "truncated_normal", "--param", "std=0.1", "--dim", "16", "--json"])
    assert out["vocab"] == "demo" and out["params"] == {"std": 0.1} and abs(out["std"] - 0.088) < 0.005
    zeros = run_json(capsys, ["init", "--scheme", "zeros", "--json"])
    assert zeros["identical_rows"] and zeros["mean_cosine"] is None and zeros["effective_rank"] == 0


def test_init_maps_vectors_and_reports_coverage(capsys, shared_data):
    out = run_json(capsys, ["init", "--vocab", str(shared_data / "tokenizers" / "bert" / "vocab.txt"),
                            "--vectors", str(shared_data / "gensim" / "lee_fasttext.vec"), "--fill", "zeros",
                            "--json"])
    assert out["rows"] == 30522 and out["dim"] == 10
    cov = out["coverage"]
    assert cov["total"] == 30522 and cov["found"] + cov["missing"] == 30522 and 1000 < cov["found"] < 1762


def test_init_text_output(capsys):
    assert main(["init", "--scheme", "xavier_uniform", "--dim", "8"]) == 0
    text = capsys.readouterr().out
    assert "effective_rank" in text and "124 x 8" in text


def test_init_errors_are_one_line_with_exit_code_2(capsys, shared_data):
    assert main(["init", "--scheme", "one_hot", "--dim", "3"]) == 2
    assert "at least 124 dimensions" in capsys.readouterr().err
    assert main(["init", "--vectors", str(shared_data / "gensim" / "lee_fasttext.vec"), "--dim", "64"]) == 2
    assert "dimension mismatch" in capsys.readouterr().err
    assert main(["init", "--scheme", "zeros", "--param", "std=1"]) == 2
    assert "takes no parameter" in capsys.readouterr().err


@pytest.mark.parametrize("name, fmt, rows, dim", [
    ("test_glove.txt", "glove", 76, 50),
    ("euclidean_vectors.bin", "word2vec_binary", 2747, 10),
    ("lee_fasttext.vec", "fasttext", 1762, 10),
])
def test_vectors_describes_a_file(capsys, shared_data, name, fmt, rows, dim):
    out = run_json(capsys, ["vectors", str(shared_data / "gensim" / name), "--json"])
    assert (out["rows"], out["dim"], out["format"]) == (rows, dim, fmt)


def test_vectors_lists_the_tensors_of_safetensors(capsys, shared_data):
    path = shared_data / "vectors" / "minilm-embeddings.safetensors"
    out = run_json(capsys, ["vectors", str(path), "--json"])
    assert out["format"] == "safetensors" and out["rows"] == 30522 and out["dim"] == 384
    assert out["tensors"]["embeddings.position_embeddings.weight"] == [512, 384]
    out = run_json(capsys, ["vectors", str(path), "--vocab", str(shared_data / "tokenizers" / "bert" / "vocab.txt"),
                            "--json"])
    assert out["first_tokens"][0] == "[PAD]"


def test_vectors_reports_bad_files(capsys, shared_data):
    path = shared_data / "gensim" / "pretrained.vec"
    assert main(["vectors", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "line 1" in err and len(err.strip().splitlines()) == 1


def test_init_composes_missing_words_from_a_fasttext_models_ngrams(capsys, shared_data):
    import importlib.util
    from pathlib import Path

    pytest.importorskip("gensim", reason="gensim (the fasttext extra) is not installed")
    model = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / \
        "test_data" / "lee_fasttext.bin"
    if not model.exists():
        pytest.skip(f"{model} is not shipped with this gensim")
    out = run_json(capsys, ["init", "--vocab", str(shared_data / "tokenizers" / "bert" / "vocab.txt"),
                            "--vectors", str(model), "--fill", "subwords", "--json"])
    assert out["fill"] == "subwords" and out["rows"] == 30522 and out["dim"] == 10
    assert 1000 < out["coverage"]["found"] < 1762
    assert main(["init", "--vocab", str(shared_data / "tokenizers" / "bert" / "vocab.txt"),
                 "--vectors", str(shared_data / "gensim" / "lee_fasttext.vec"), "--fill", "subwords"]) == 2
    assert "only a fastText .bin model has character n-grams" in capsys.readouterr().err
