"""Fuzz every vectors format of explorer.core.io.vectors.load_vectors: GloVe, word2vec
text, word2vec binary, fastText .vec, .npy, .npz, safetensors and projector TSV.

Bases are the real files of ../shared/data (cut to a few hundred rows where large; the
safetensors base is the first rows of the real MiniLM tables), mutated; and files
generated from scratch by hypothesis. Every case ends in LoadedVectors (finite float32,
one row per unique token) or an ExplorerError, within the time guard."""

from __future__ import annotations

import io
import json
import struct
from functools import lru_cache

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from explorer.core.io.vectors import load_vectors, read_vector_tokens
from tests.fuzz._harness import check_vectors, check_vocabulary, fuzz_settings, mutated, run_case, shared

SAFETENSORS_ROWS = 300


def _head_lines(data: bytes, n: int, header: bool) -> bytes:
    lines = data.split(b"\n")
    if header:
        dim = lines[0].split()[1]
        return b"%d %s\n" % (n, dim) + b"\n".join(lines[1: n + 1]) + b"\n"
    return b"\n".join(lines[:n]) + b"\n"


@lru_cache(maxsize=None)
def _text_bases() -> dict[str, tuple[tuple[str, bytes], ...]]:
    g = lambda name: shared(f"gensim/{name}").read_bytes()  # noqa: E731
    return {
        "glove": (("glove.txt", g("test_glove.txt")),),
        "word2vec": (("vectors.txt", _head_lines(g("word2vec_pre_kv_c"), 300, True)),
                     ("vectors.txt", g("high_precision.kv.txt")), ("w2v", g("word2vec_pre_kv_c"))),
        "fasttext": (("model.vec", _head_lines(g("lee_fasttext.vec"), 200, True)),
                     ("toy-model.vec", g("toy-model.vec")), ("cp.vec", g("crime-and-punishment.vec")),
                     ("polarity.vec", _head_lines(g("pang_lee_polarity_fasttext.vec"), 120, True)),
                     ("pretrained.vec", g("pretrained.vec"))),
    }


@lru_cache(maxsize=None)
def _binary_bases() -> tuple[bytes, ...]:
    return (shared("gensim/euclidean_vectors.bin").read_bytes(), shared("gensim/high_precision.kv.bin").read_bytes())


@lru_cache(maxsize=None)
def _glove_matrix() -> tuple[list[str], np.ndarray]:
    loaded = load_vectors(shared("gensim/test_glove.txt"))
    return loaded.vocab.tokens, loaded.weights


def _token_file(tokens: list[str]) -> bytes:
    return ("\n".join(tokens) + "\n").encode("utf-8")


@lru_cache(maxsize=None)
def _array_bases() -> dict[str, bytes]:
    tokens, weights = _glove_matrix()
    out = {}
    buf = io.BytesIO()
    np.save(buf, weights)
    out["npy"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, embeddings=weights, vocab=np.array(tokens))
    out["npz"] = buf.getvalue()
    buf = io.BytesIO()
    np.savez(buf, a=weights, b=weights[:, :10].astype(np.float16), bias=weights[0])
    out["npz_several"] = buf.getvalue()
    out["vocab"] = _token_file(tokens)
    vectors = "".join("\t".join(f"{x:.5g}" for x in row) + "\n" for row in weights).encode()
    out["tsv"] = vectors
    out["metadata"] = _token_file(tokens)
    out["metadata2"] = ("word\tindex\n" + "".join(f"{t}\t{i}\n" for i, t in enumerate(tokens))).encode("utf-8")
    return out


@lru_cache(maxsize=None)
def _safetensors_base() -> tuple[bytes, bytes]:
    from safetensors import safe_open
    from safetensors.numpy import save

    path = shared("vectors/minilm-embeddings.safetensors")
    with safe_open(str(path), framework="numpy") as f:
        tensors = {
            "embeddings.word_embeddings.weight": f.get_slice("embeddings.word_embeddings.weight")[:SAFETENSORS_ROWS],
            "embeddings.position_embeddings.weight": f.get_slice("embeddings.position_embeddings.weight")[:64],
            "embeddings.token_type_embeddings.weight": f.get_tensor("embeddings.token_type_embeddings.weight"),
        }
    vocab = b"\n".join(shared("tokenizers/bert/vocab.txt").read_bytes().split(b"\n")[:SAFETENSORS_ROWS]) + b"\n"
    return save(tensors), vocab


TENSOR_NAMES = st.sampled_from([None, None, "embeddings.word_embeddings.weight", "embeddings", "a", "vocab", "x"])


# -- text formats -------------------------------------------------------------------------------
def _fuzz_text(reader: str, scratch, data) -> None:
    name, base = data.draw(st.sampled_from(_text_bases()[reader]))
    path = scratch.fresh() / name
    path.write_bytes(data.draw(mutated(base)))
    if data.draw(st.integers(0, 9)) == 0:  # the token column only (the vocabulary panel's path)
        run_case(reader, read_vector_tokens, path, check=check_vocabulary)
    else:
        run_case(reader, load_vectors, path, check=check_vectors)


@fuzz_settings(0.6)
@given(data=st.data())
def test_glove_mutated_real_files(scratch, data):
    _fuzz_text("glove", scratch, data)


@fuzz_settings(0.6)
@given(data=st.data())
def test_word2vec_text_mutated_real_files(scratch, data):
    _fuzz_text("word2vec", scratch, data)


@fuzz_settings(0.6)
@given(data=st.data())
def test_fasttext_mutated_real_files(scratch, data):
    _fuzz_text("fasttext", scratch, data)


VTOKEN = st.one_of(st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=10),
                   st.sampled_from(["</s>", "<unk>", "[PAD]", "at&t corp", "1.5", "nan", "##s", "é"]))
FLOAT = st.one_of(st.floats(width=32, allow_nan=False, allow_infinity=False),
                  st.floats(width=32), st.integers(-10, 10))


def _fmt_number(x, style: int) -> str:
    if isinstance(x, int):
        return str(x)
    return (repr(x), f"{x:.6f}", f"{x:e}", f"{x:.3g}")[style]


@st.composite
def text_vectors(draw, header: str):
    rows = draw(st.integers(0, 25))
    dim = draw(st.integers(1, 8))
    style = draw(st.integers(0, 3))
    lines = []
    for _ in range(rows):
        width = dim if draw(st.integers(0, 15)) else draw(st.integers(0, dim + 2))  # ragged now and then
        numbers = [_fmt_number(draw(FLOAT), style) for _ in range(width)]
        sep = draw(st.sampled_from([" ", " ", "\t", "  "]))
        lines.append(sep.join([draw(VTOKEN)] + numbers))
    if header == "yes":
        declared = rows if draw(st.integers(0, 4)) else draw(st.integers(0, 10**9))
        lines.insert(0, f"{declared} {dim if draw(st.integers(0, 4)) else draw(st.integers(0, 10**6))}")
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n", "\r\n", "\n\n"]))
    return text.encode("utf-8", "surrogatepass")


@fuzz_settings(0.4)
@given(blob=text_vectors("no"), name=st.sampled_from(["glove.txt", "vectors"]))
def test_glove_generated(scratch, blob, name):
    path = scratch.fresh() / name
    path.write_bytes(blob)
    run_case("glove", load_vectors, path, check=check_vectors)


@fuzz_settings(0.4)
@given(blob=text_vectors("yes"))
def test_word2vec_text_generated(scratch, blob):
    path = scratch.fresh() / "vectors.txt"
    path.write_bytes(blob)
    run_case("word2vec", load_vectors, path, check=check_vectors)


@fuzz_settings(0.4)
@given(blob=text_vectors("yes"))
def test_fasttext_generated(scratch, blob):
    path = scratch.fresh() / "model.vec"
    path.write_bytes(blob)
    run_case("fasttext", load_vectors, path, check=check_vectors)


# -- word2vec binary ---------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_word2vec_binary_mutated_real_files(scratch, data):
    base = data.draw(st.sampled_from(_binary_bases()))
    path = scratch.fresh() / data.draw(st.sampled_from(["vectors.bin", "model.bin"]))
    path.write_bytes(data.draw(mutated(base)))
    if data.draw(st.integers(0, 9)) == 0:
        run_case("word2vec_binary", read_vector_tokens, path, check=check_vocabulary)
    else:
        run_case("word2vec_binary", load_vectors, path, check=check_vectors)


@st.composite
def binary_vectors(draw):
    rows = draw(st.integers(0, 20))
    dim = draw(st.integers(1, 6))
    declared_rows = rows if draw(st.integers(0, 4)) else draw(st.integers(0, 10**9))
    declared_dim = dim if draw(st.integers(0, 4)) else draw(st.integers(0, 10**7))
    out = [f"{declared_rows} {declared_dim}\n".encode()]
    for _ in range(rows):
        token = draw(st.one_of(VTOKEN.map(lambda t: t.encode("utf-8", "surrogatepass")),
                               st.binary(min_size=0, max_size=6)))
        values = [draw(st.floats(width=32)) for _ in range(dim)]
        out.append(token + b" " + struct.pack(f"<{dim}f", *values) + draw(st.sampled_from([b"", b"\n", b"\r\n"])))
    blob = b"".join(out)
    if draw(st.integers(0, 5)) == 0:
        blob = blob[: draw(st.integers(0, len(blob)))]
    return blob


@fuzz_settings(0.4)
@given(blob=binary_vectors())
def test_word2vec_binary_generated(scratch, blob):
    path = scratch.fresh() / "vectors.bin"
    path.write_bytes(blob)
    run_case("word2vec_binary", load_vectors, path, check=check_vectors)


# -- numpy ---------------------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_npy_mutated_real_files(scratch, data):
    bases = _array_bases()
    folder = scratch.fresh()
    array, vocab = bases["npy"], bases["vocab"]
    which = data.draw(st.sampled_from(["array", "array", "vocab", "both"]))
    if which != "vocab":
        array = data.draw(mutated(array))
    if which != "array":
        vocab = data.draw(mutated(vocab))
    (folder / "vectors.npy").write_bytes(array)
    (folder / "vocab.txt").write_bytes(vocab)
    vocab_path = data.draw(st.sampled_from([folder / "vocab.txt", folder / "vocab.txt", None]))
    run_case("npy", load_vectors, folder / "vectors.npy", vocab_path, check=check_vectors)


DTYPES = st.sampled_from(["<f4", "<f8", "<f2", ">f4", "<i4", "<i8", "|u1", "|b1", "<c8", "<U3", "|S3", "<M8[s]"])


@st.composite
def arrays(draw):
    dtype = draw(DTYPES)
    shape = draw(st.one_of(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=12),
                           hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)))
    return draw(hnp.arrays(np.dtype(dtype), shape))


@st.composite
def npy_files(draw):
    buf = io.BytesIO()
    if draw(st.integers(0, 12)) == 0:  # an object array: a pickle inside the .npy
        np.save(buf, np.array([["a", 1], [None, 2.0]], dtype=object), allow_pickle=True)
        return buf.getvalue(), None
    array = draw(arrays())
    np.save(buf, array)
    rows = array.shape[0] if array.ndim else 1
    n_tokens = rows if draw(st.integers(0, 3)) else draw(st.integers(0, rows + 3))
    tokens = draw(st.lists(VTOKEN, min_size=n_tokens, max_size=n_tokens))
    return buf.getvalue(), _token_file(tokens) if tokens or draw(st.booleans()) else None


@fuzz_settings(0.4)
@given(files=npy_files())
def test_npy_generated(scratch, files):
    folder = scratch.fresh()
    (folder / "m.npy").write_bytes(files[0])
    vocab_path = None
    if files[1] is not None:
        vocab_path = folder / "vocab.txt"
        vocab_path.write_bytes(files[1])
    run_case("npy", load_vectors, folder / "m.npy", vocab_path, check=check_vectors)


@fuzz_settings(0.6)
@given(data=st.data())
def test_npz_mutated_real_files(scratch, data):
    bases = _array_bases()
    folder = scratch.fresh()
    base = bases[data.draw(st.sampled_from(["npz", "npz_several"]))]
    (folder / "vectors.npz").write_bytes(data.draw(mutated(base)))
    (folder / "vocab.txt").write_bytes(bases["vocab"])
    vocab_path = data.draw(st.sampled_from([None, folder / "vocab.txt"]))
    run_case("npz", load_vectors, folder / "vectors.npz", vocab_path, data.draw(TENSOR_NAMES), check=check_vectors)


@st.composite
def npz_files(draw):
    names = draw(st.lists(st.sampled_from(["embeddings", "vocab", "tokens", "wte", "x", "a.b", "words"]),
                          min_size=0, max_size=4, unique=True))
    content = {}
    for name in names:
        if name in ("vocab", "tokens", "words") and draw(st.booleans()):
            tokens = draw(st.lists(VTOKEN, max_size=12))
            kind = draw(st.sampled_from(["U", "S", "O"]))
            content[name] = np.array([t.encode("utf-8", "surrogatepass") for t in tokens] if kind == "S" else tokens,
                                     dtype=kind)
        else:
            content[name] = draw(arrays())
    buf = io.BytesIO()
    try:
        np.savez(buf, **content)
    except (UnicodeEncodeError, ValueError):  # bytes dtype of a non-ASCII token
        buf = io.BytesIO()
        np.savez(buf)
    return buf.getvalue()


@fuzz_settings(0.4)
@given(blob=npz_files(), tensor=TENSOR_NAMES, with_vocab=st.booleans())
def test_npz_generated(scratch, blob, tensor, with_vocab):
    folder = scratch.fresh()
    (folder / "m.npz").write_bytes(blob)
    (folder / "vocab.txt").write_bytes(b"a\nb\nc\n")
    run_case("npz", load_vectors, folder / "m.npz", folder / "vocab.txt" if with_vocab else None, tensor,
             check=check_vectors)


# -- safetensors -----------------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_safetensors_mutated_real_files(scratch, data):
    tensors, vocab = _safetensors_base()
    folder = scratch.fresh()
    which = data.draw(st.sampled_from(["tensors", "tensors", "header", "vocab"]))
    if which == "tensors":
        tensors = data.draw(mutated(tensors))
    elif which == "header":  # mutate inside the JSON header only
        n = int.from_bytes(tensors[:8], "little")
        header = data.draw(mutated(tensors[8: 8 + n]))
        if data.draw(st.booleans()):
            n = len(header)
        tensors = n.to_bytes(8, "little") + header + tensors[8 + int.from_bytes(tensors[:8], "little"):]
    else:
        vocab = data.draw(mutated(vocab))
    (folder / "model.safetensors").write_bytes(tensors)
    (folder / "vocab.txt").write_bytes(vocab)
    vocab_path = data.draw(st.sampled_from([folder / "vocab.txt", folder / "vocab.txt", None]))
    run_case("safetensors", load_vectors, folder / "model.safetensors", vocab_path, data.draw(TENSOR_NAMES),
             check=check_vectors)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 10**12) | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner,
                                                                                  max_size=4),
                    max_leaves=10)


@st.composite
def safetensors_files(draw):
    if draw(st.booleans()):  # well-formed by the library, random content
        from safetensors.numpy import save

        names = draw(st.lists(st.sampled_from(["embeddings.weight", "wte", "bias", "x", "emb"]), max_size=3,
                              unique=True))
        content = {}
        for name in names:
            dtype = draw(st.sampled_from(["<f4", "<f2", "<f8", "<i4", "|u1", "|b1"]))
            shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=8))
            content[name] = draw(hnp.arrays(np.dtype(dtype), shape))
        return save(content)
    # hand-made header: plausible entries with random fields
    header = {}
    offset = 0
    for name in draw(st.lists(st.text(min_size=1, max_size=5), max_size=3, unique=True)):
        shape = draw(st.lists(st.integers(0, 50), max_size=3))
        dtype = draw(st.sampled_from(["F32", "F16", "BF16", "F64", "I64", "U8", "BOOL", "F8_E4M3", "Q4", ""]))
        size = draw(st.integers(0, 4096))
        entry = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        if draw(st.integers(0, 4)) == 0:
            entry[draw(st.sampled_from(["dtype", "shape", "data_offsets"]))] = draw(JSON)
        header[name] = entry
        offset += size
    if draw(st.booleans()):
        header["__metadata__"] = draw(JSON)
    text = json.dumps(header).encode()
    declared = len(text) if draw(st.integers(0, 5)) else draw(st.integers(0, 2**40))
    return declared.to_bytes(8, "little") + text + draw(st.binary(max_size=2048))


@fuzz_settings(0.4)
@given(blob=safetensors_files(), tensor=TENSOR_NAMES)
def test_safetensors_generated(scratch, blob, tensor):
    folder = scratch.fresh()
    (folder / "m.safetensors").write_bytes(blob)
    (folder / "vocab.txt").write_bytes(b"".join(b"t%d\n" % i for i in range(8)))
    run_case("safetensors", load_vectors, folder / "m.safetensors", folder / "vocab.txt", tensor,
             check=check_vectors)


# -- TensorBoard projector TSV -------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_tsv_mutated_real_files(scratch, data):
    bases = _array_bases()
    folder = scratch.fresh()
    vectors, metadata = bases["tsv"], bases[data.draw(st.sampled_from(["metadata", "metadata2"]))]
    which = data.draw(st.sampled_from(["vectors", "vectors", "metadata", "both"]))
    if which != "metadata":
        vectors = data.draw(mutated(vectors))
    if which != "vectors":
        metadata = data.draw(mutated(metadata))
    (folder / "vectors.tsv").write_bytes(vectors)
    (folder / "metadata.tsv").write_bytes(metadata)
    vocab_path = data.draw(st.sampled_from([None, folder / "metadata.tsv"]))
    run_case("tsv", load_vectors, folder / "vectors.tsv", vocab_path, check=check_vectors)


@st.composite
def tsv_files(draw):
    rows = draw(st.integers(0, 20))
    dim = draw(st.integers(1, 6))
    style = draw(st.integers(0, 3))
    lines = []
    for _ in range(rows):
        width = dim if draw(st.integers(0, 15)) else draw(st.integers(0, dim + 2))
        lines.append("\t".join(_fmt_number(draw(FLOAT), style) for _ in range(width)))
    n_tokens = rows if draw(st.integers(0, 3)) else draw(st.integers(0, rows + 3))
    tokens = draw(st.lists(VTOKEN, min_size=n_tokens, max_size=n_tokens))
    if draw(st.booleans()):
        meta = "word\tcount\n" + "".join(f"{t}\t{draw(st.integers(0, 9))}\n" for t in tokens)
    else:
        meta = "".join(f"{t}\n" for t in tokens)
    return ("\n".join(lines) + "\n").encode(), meta.encode("utf-8", "surrogatepass")


@fuzz_settings(0.4)
@given(files=tsv_files())
def test_tsv_generated(scratch, files):
    folder = scratch.fresh()
    (folder / "vectors.tsv").write_bytes(files[0])
    (folder / "metadata.tsv").write_bytes(files[1])
    run_case("tsv", load_vectors, folder / "vectors.tsv", check=check_vectors)
