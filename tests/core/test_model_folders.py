"""Hugging Face-style model folders, built in tmp_path from the shared MiniLM table and the
GPT-2/BERT tokenizers, with tensor names as real checkpoints use them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.detect import detect_kind
from explorer.core.io.sources import load_matrix
from explorer.core.io.vectors import NeedsVocabulary, list_tensors, load_vectors, sniff_format


@pytest.fixture(scope="module")
def minilm():
    from safetensors.numpy import load_file

    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "vectors" / "minilm-embeddings.safetensors"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return load_file(str(path))


def save(folder, tensors: dict, name="model.safetensors"):
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(folder / name))


def bert_tensors(minilm) -> dict:
    words = minilm["embeddings.word_embeddings.weight"]
    rng = np.random.default_rng(0)
    return {
        "bert.embeddings.word_embeddings.weight": words,
        "bert.embeddings.position_embeddings.weight": minilm["embeddings.position_embeddings.weight"],
        "bert.embeddings.token_type_embeddings.weight": minilm["embeddings.token_type_embeddings.weight"],
        "bert.embeddings.LayerNorm.weight": np.ones(384, np.float32),
        "bert.encoder.layer.0.attention.self.query.weight": rng.standard_normal((384, 384)).astype(np.float32),
        # the output table has the input table's shape: a picker by shape alone would be fooled
        "cls.predictions.decoder.weight": rng.standard_normal(words.shape).astype(np.float32),
    }


def bert_folder(tmp_path, shared_data, minilm, tokenizer=("tokenizer.json", "vocab.txt")):
    folder = tmp_path / "all-MiniLM-L6-v2"
    save(folder, bert_tensors(minilm))
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 30522, "hidden_size": 384}))
    for name in tokenizer:
        shutil.copy(shared_data / "tokenizers" / "bert" / name, folder / name)
    return folder


def test_a_bert_folder_gives_its_input_table_its_tokenizer_and_its_positions(tmp_path, shared_data, minilm):
    from explorer.core.analysis.report import positional_table_of

    folder = bert_folder(tmp_path, shared_data, minilm)
    assert detect_kind(folder) == "vectors"
    assert sniff_format(folder) == "model_folder"
    loaded = load_vectors(folder)
    assert loaded.tensor_name == "bert.embeddings.word_embeddings.weight"
    np.testing.assert_array_equal(loaded.weights, minilm["embeddings.word_embeddings.weight"])
    assert loaded.vocab.tokens[:1] == ["[PAD]"] and loaded.vocab.id_of("king") is not None
    assert loaded.vocab.tokenizer is not None  # the Sentence tab encodes with the model's tokenizer
    _pieces, ids = loaded.vocab.encode("the king")
    assert [loaded.vocab.tokens[i] for i in ids if i is not None][-2:] == ["the", "king"] or \
        "king" in [loaded.vocab.tokens[i] for i in ids if i is not None]
    np.testing.assert_array_equal(loaded.positional, minilm["embeddings.position_embeddings.weight"])
    np.testing.assert_array_equal(positional_table_of(loaded.vocab.source, 384),
                                  minilm["embeddings.position_embeddings.weight"])
    # what the window calls, and neighbours that mean something
    vocab, weights = load_matrix(folder)
    from explorer.core.analysis.neighbors import neighbors_of

    king = vocab.id_of("king")
    assert "queen" in [vocab.tokens[i] for i, _ in neighbors_of(weights, king, 10)]


def test_a_sharded_checkpoint_reads_only_the_shard_holding_the_table(tmp_path, shared_data, minilm):
    folder = tmp_path / "sharded"
    tensors = bert_tensors(minilm)
    first = {k: v for k, v in tensors.items() if "encoder" in k or "cls" in k}
    second = {k: v for k, v in tensors.items() if k not in first}
    save(folder, first, "model-00001-of-00002.safetensors")
    save(folder, second, "model-00002-of-00002.safetensors")
    weight_map = {**{k: "model-00001-of-00002.safetensors" for k in first},
                  **{k: "model-00002-of-00002.safetensors" for k in second}}
    (folder / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (folder / "config.json").write_text(json.dumps({"vocab_size": 30522}))
    shutil.copy(shared_data / "tokenizers" / "bert" / "vocab.txt", folder / "vocab.txt")
    # the first shard is damaged: were it read, the load would fail
    (folder / "model-00001-of-00002.safetensors").write_bytes(b"\x00" * 64)
    loaded = load_vectors(folder)
    assert loaded.tensor_name == "bert.embeddings.word_embeddings.weight"
    assert loaded.tensor_file.endswith("model-00002-of-00002.safetensors")
    np.testing.assert_array_equal(loaded.weights, minilm["embeddings.word_embeddings.weight"])
    assert loaded.vocab.kind == "wordpiece" and len(loaded.vocab) == 30522
    assert loaded.positional is not None and loaded.positional.shape == (512, 384)


def test_a_weights_only_pytorch_bin(tmp_path, shared_data, minilm):
    import torch

    folder = tmp_path / "bin"
    folder.mkdir()
    torch.save({k: torch.from_numpy(np.array(v)) for k, v in bert_tensors(minilm).items()},
               folder / "pytorch_model.bin")
    (folder / "config.json").write_text(json.dumps({"vocab_size": 30522}))
    shutil.copy(shared_data / "tokenizers" / "bert" / "vocab.txt", folder / "vocab.txt")
    assert detect_kind(folder) == "vectors"
    loaded = load_vectors(folder)
    assert loaded.tensor_name == "bert.embeddings.word_embeddings.weight"
    np.testing.assert_array_equal(loaded.weights, minilm["embeddings.word_embeddings.weight"])
    assert "bert.embeddings.word_embeddings.weight" in list_tensors(folder)


def test_a_pickle_in_pytorch_model_bin_is_refused(tmp_path):
    import fractions

    import torch

    folder = tmp_path / "evil"
    folder.mkdir()
    torch.save({"wte.weight": torch.zeros(3, 2), "extra": fractions.Fraction(1, 2)}, folder / "pytorch_model.bin")
    with pytest.raises(ExplorerError, match="refused: the checkpoint holds Python objects") as info:
        load_vectors(folder)
    assert "pytorch_model.bin" in str(info.value)


@pytest.fixture(scope="module")
def gpt2_table():
    rng = np.random.default_rng(1)
    return rng.standard_normal((50257, 16)).astype(np.float32), rng.standard_normal((1024, 16)).astype(np.float32)


@pytest.mark.parametrize("names, files", [
    (("transformer.wte.weight", "transformer.wpe.weight"), ("vocab.json", "merges.txt")),
    (("wte.weight", "wpe.weight"), ("encoder.json", "vocab.bpe")),
])
def test_a_gpt2_folder(tmp_path, shared_data, gpt2_table, names, files):
    from explorer.cli import main

    wte, wpe = gpt2_table
    folder = tmp_path / "gpt2"
    rng = np.random.default_rng(2)
    save(folder, {names[0]: wte, names[1]: wpe, "lm_head.weight": rng.standard_normal(wte.shape).astype(np.float32),
                  "h.0.attn.c_attn.weight": np.zeros((16, 48), np.float32)})
    (folder / "config.json").write_text(json.dumps({"model_type": "gpt2", "vocab_size": 50257, "n_embd": 16}))
    for source, target in zip(("encoder.json", "vocab.bpe"), files):
        shutil.copy(shared_data / "tokenizers" / "gpt2" / source, folder / target)
    loaded = load_vectors(folder)
    assert loaded.tensor_name == names[0]
    np.testing.assert_array_equal(loaded.weights, wte)
    np.testing.assert_array_equal(loaded.positional, wpe)
    assert loaded.vocab.tokens[50256] == "<|endoftext|>" and loaded.vocab.kind == "gpt2"
    assert main(["vectors", str(folder), "--json"]) == 0


def test_vectors_json_reports_the_tensor_chosen(tmp_path, shared_data, minilm, capsys):
    from explorer.cli import main

    folder = bert_folder(tmp_path, shared_data, minilm, tokenizer=("vocab.txt",))
    assert main(["vectors", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == "model_folder"
    assert info["tensor"] == "bert.embeddings.word_embeddings.weight"
    assert (info["rows"], info["dim"]) == (30522, 384)
    assert info["positional_tensor"] == "bert.embeddings.position_embeddings.weight"
    assert main(["vectors", str(folder)]) == 0
    assert "tensor: bert.embeddings.word_embeddings.weight" in capsys.readouterr().out


def test_llama_names_and_the_config_s_vocab_size(tmp_path):
    rng = np.random.default_rng(3)
    folder = tmp_path / "llama"
    table = rng.standard_normal((300, 8)).astype(np.float32)
    save(folder, {"model.embed_tokens.weight": table, "lm_head.weight": table[::-1].copy(),
                  "model.layers.0.mlp.up_proj.weight": np.zeros((8, 8), np.float32)})
    (folder / "vocab.txt").write_text("\n".join(f"t{i}" for i in range(300)) + "\n")
    (folder / "config.json").write_text(json.dumps({"vocab_size": 300}))
    loaded = load_vectors(folder)
    assert loaded.tensor_name == "model.embed_tokens.weight"
    np.testing.assert_array_equal(loaded.weights, table)
    (folder / "config.json").write_text(json.dumps({"vocab_size": 301}))
    with pytest.raises(ExplorerError, match=r"config.json says vocab_size 301, but no embedding table has that many "
                                            r"rows: model.embed_tokens.weight \[300, 8\]") as info:
        load_vectors(folder)
    assert str(folder) in str(info.value)


def test_a_folder_without_a_tokenizer_asks_for_its_vocabulary(tmp_path):
    folder = tmp_path / "bare"
    save(folder, {"shared.weight": np.ones((5, 4), np.float32)})
    with pytest.raises(NeedsVocabulary, match="the model folder has no tokenizer") as info:
        load_vectors(folder)
    assert info.value.path is not None
    vocab = tmp_path / "words.txt"
    vocab.write_text("a\nb\nc\nd\ne\n")
    loaded = load_vectors(folder, vocab_path=vocab)
    assert loaded.vocab.tokens == ["a", "b", "c", "d", "e"] and loaded.tensor_name == "shared.weight"


def test_a_folder_that_is_no_model_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExplorerError, match="is a folder, not a vectors file"):
        load_vectors(tmp_path / "empty")
    with pytest.raises(ExplorerError, match="is a folder, not a file"):
        detect_kind(tmp_path / "empty")


def test_vectors_describes_a_folder_without_a_tokenizer(tmp_path, capsys):
    from explorer.cli import main

    folder = tmp_path / "bare"
    save(folder, {"model.embed_tokens.weight": np.ones((5, 4), np.float32), "lm_head.weight": np.ones((5, 4), np.float32)})
    assert main(["vectors", str(folder), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["tensor"] == "model.embed_tokens.weight" and (info["rows"], info["dim"]) == (5, 4)
    assert info["warnings"] == ["no tokenizer in the folder: give --vocab FILE to load the table"]
