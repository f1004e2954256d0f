"""Hugging Face-style model folders: the input-embedding table, its vocabulary and the
positional table, picked without asking.

A model folder holds `config.json` and its weights as `model.safetensors`, sharded safetensors
(`model.safetensors.index.json` + `model-00001-of-0000N.safetensors` ...), or a weights-only
`pytorch_model.bin` (sharded too, with `pytorch_model.bin.index.json`). The embedding table is
found by the names real checkpoints use (`EMBEDDING_NAMES`: `wte.weight`,
`bert.embeddings.word_embeddings.weight`, `model.embed_tokens.weight`, `shared.weight`, ...),
and must have the config's `vocab_size` rows when the config says one. Of a sharded checkpoint
only the shard holding the table is read (safetensors memory-maps it: only the table's bytes
are touched). `.bin` files are read with `torch.load(weights_only=True, mmap=True)`, never
unpickled otherwise.

The vocabulary is the tokenizer beside the weights: `tokenizer.json`, else `vocab.txt`
(WordPiece), else `vocab.json` + `merges.txt` or `encoder.json` + `vocab.bpe` (byte-level BPE).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError

CONFIG = "config.json"
SAFETENSORS = "model.safetensors"
SAFETENSORS_INDEX = "model.safetensors.index.json"
TORCH_BIN = "pytorch_model.bin"
TORCH_BIN_INDEX = "pytorch_model.bin.index.json"
WEIGHT_FILES = (SAFETENSORS, SAFETENSORS_INDEX, TORCH_BIN, TORCH_BIN_INDEX)
# Input-embedding tables as checkpoints name them, best first; a name matches when it equals one
# of these or ends with "." + one of these ("bert.embeddings.word_embeddings.weight").
EMBEDDING_NAMES = (
    "embeddings.word_embeddings.weight",  # BERT, RoBERTa, DistilBERT, ELECTRA, MiniLM, BLOOM (word_embeddings)
    "transformer.wte.weight", "wte.weight",  # GPT-2, GPT-J, GPT-Neo
    "model.embed_tokens.weight", "model.decoder.embed_tokens.weight",  # Llama, Mistral, Qwen; OPT
    "embed_tokens.weight", "shared.weight",  # T5, BART (shared input table)
    "word_embeddings.weight", "tok_embeddings.weight", "embed_in.weight",  # BLOOM; Llama (Meta); GPT-NeoX
    "embeddings.tok_embeddings.weight", "token_embedding.weight", "embedding.word_embeddings.weight",
    "encoder.embed_tokens.weight", "wte.embedding",
)
POSITION_NAMES = ("embeddings.position_embeddings.weight", "transformer.wpe.weight", "wpe.weight",
                  "embed_positions.weight", "position_embeddings.weight")
VOCAB_SIZE_KEYS = ("vocab_size", "n_vocab", "padded_vocab_size")


def is_model_folder(path: str | Path) -> bool:
    """A folder holding model weights under a Hugging Face name (with or without config.json)."""
    path = Path(path)
    return path.is_dir() and any((path / name).is_file() for name in WEIGHT_FILES)


@dataclass
class ModelFolder:
    """What a folder holds: where each tensor is, and the config."""

    path: Path
    config: dict
    tensor_files: dict[str, Path]  # tensor name -> the file holding it
    kind: str  # "safetensors" or "torch"
    _shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def vocab_size(self) -> int | None:
        configs = [self.config] + [v for k, v in self.config.items() if k.endswith("_config") and isinstance(v, dict)]
        for config in configs:
            for key in VOCAB_SIZE_KEYS:
                if isinstance(config.get(key), int) and config[key] > 0:
                    return config[key]
        return None

    def shapes(self, names=None) -> dict[str, tuple[int, ...]]:
        """Name -> shape of the tensors `names` (all by default); reads only the files holding them."""
        names = list(self.tensor_files) if names is None else list(names)
        missing = [n for n in names if n not in self._shapes]
        by_file: dict[Path, list[str]] = {}
        for name in missing:
            by_file.setdefault(self.tensor_files[name], []).append(name)
        for file, file_names in by_file.items():
            if self.kind == "safetensors":
                header = _safetensors_header(file)
                for name in file_names:
                    entry = header.get(name)
                    if not isinstance(entry, dict) or not isinstance(entry.get("shape"), list):
                        raise ExplorerError(f"the index says {name!r} is in {file.name}, but it is not", file)
                    self._shapes[name] = tuple(int(x) for x in entry["shape"])
            else:
                tensors = _torch_file(file)
                for name in file_names:
                    if name not in tensors:
                        raise ExplorerError(f"the index says {name!r} is in {file.name}, but it is not", file)
                    self._shapes[name] = tuple(tensors[name].shape)
        return {n: self._shapes[n] for n in names}

    def read(self, name: str) -> np.ndarray:
        """One tensor as float32, reading only its file (and of a safetensors file, its bytes)."""
        file = self.tensor_files[name]
        if self.kind == "safetensors":
            from safetensors import safe_open

            try:
                with safe_open(str(file), framework="numpy") as f:
                    array = f.get_tensor(name)
            except (TypeError, ValueError):  # bfloat16, which numpy lacks
                with safe_open(str(file), framework="pt") as f:
                    array = f.get_tensor(name).float().numpy()
            except Exception as exc:  # safetensors raises its own types
                raise ExplorerError(f"cannot read tensor {name!r}: {exc}", file) from None
        else:
            array = _torch_file(file)[name].detach().float().cpu().numpy()
        if array.dtype.kind not in "fiu":
            raise ExplorerError(f"tensor {name!r} holds {array.dtype}, not numbers", file)
        with np.errstate(over="ignore"):
            return np.ascontiguousarray(array, dtype=np.float32)

    def embedding_name(self) -> str:
        """The input-embedding table: by name, with the config's vocab_size rows."""
        names = list(self.tensor_files)
        candidates = [n for pattern in EMBEDDING_NAMES for n in names if n == pattern or n.endswith("." + pattern)]
        candidates = list(dict.fromkeys(candidates))
        if not candidates:  # unusual names: any 2-D "embed" table
            candidates = [n for n in names if "embed" in n.lower() and "position" not in n.lower()
                          and "type" not in n.lower()]
        shapes = self.shapes(candidates)
        tables = [n for n in candidates if len(shapes[n]) == 2]
        size = self.vocab_size
        if size is not None:
            matching = [n for n in tables if shapes[n][0] == size]
            if matching:
                return matching[0]
            if tables:
                raise ExplorerError(f"config.json says vocab_size {size:,}, but no embedding table has that many rows: "
                                    + ", ".join(f"{n} {list(shapes[n])}" for n in tables), self.path)
        if tables:
            return tables[0]
        raise ExplorerError("found no input-embedding table (such as wte.weight, "
                            "embeddings.word_embeddings.weight, model.embed_tokens.weight) among its "
                            f"{len(names):,} tensors", self.path)

    def position_name(self, dim: int) -> str | None:
        """The learned positional table (positions x dim), when the model has one."""
        names = list(self.tensor_files)
        candidates = [n for pattern in POSITION_NAMES for n in names if n == pattern or n.endswith("." + pattern)]
        for name in dict.fromkeys(candidates):
            shape = self.shapes([name])[name]
            if len(shape) == 2 and shape[1] == dim:
                return name
        return None


def open_folder(path: str | Path) -> ModelFolder:
    path = Path(path)
    if not path.is_dir():
        raise ExplorerError("not a folder", path)
    config = {}
    if (path / CONFIG).is_file():
        config = _read_json(path / CONFIG)
        if not isinstance(config, dict):
            raise ExplorerError("config.json is not a JSON object", path / CONFIG)
    for index_name, single, kind in ((SAFETENSORS_INDEX, SAFETENSORS, "safetensors"),
                                     (TORCH_BIN_INDEX, TORCH_BIN, "torch")):
        if (path / index_name).is_file():
            index = _read_json(path / index_name)
            weight_map = index.get("weight_map") if isinstance(index, dict) else None
            if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
                raise ExplorerError("the index has no \"weight_map\" of tensor name -> shard file", path / index_name)
            files = {}
            for name, shard in weight_map.items():
                file = (path / shard)
                if Path(shard).name != shard:
                    raise ExplorerError(f"shard {shard!r} is not a file name in this folder", path / index_name)
                files[name] = file
            return ModelFolder(path, config, files, kind)
        if (path / single).is_file():
            file = path / single
            if kind == "safetensors":
                names = [n for n in _safetensors_header(file) if n != "__metadata__"]
            else:
                names = list(_torch_file(file))
            return ModelFolder(path, config, {n: file for n in names}, kind)
    raise ExplorerError("this folder holds no model weights (model.safetensors, model.safetensors.index.json "
                        "or pytorch_model.bin)", path)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ExplorerError(f"not valid JSON: {exc}", path) from None


def _safetensors_header(file: Path) -> dict:
    """The JSON header of a safetensors file (names, dtypes, shapes), without reading the data."""
    if not file.is_file():
        raise ExplorerError("the shard named by the index is missing", file)
    with open(file, "rb") as f:
        raw = f.read(8)
        n = int.from_bytes(raw, "little") if len(raw) == 8 else 0
        if not 0 < n < 100_000_000:
            raise ExplorerError("not a safetensors file (bad header length)", file, offset=0)
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ExplorerError(f"damaged safetensors header: {exc}", file, offset=8) from None
    if not isinstance(header, dict):
        raise ExplorerError("damaged safetensors header", file, offset=8)
    return header


_TORCH_CACHE: dict[Path, dict] = {}


def _torch_file(file: Path) -> dict:
    """Name -> tensor of a weights-only PyTorch file (memory-mapped where torch can)."""
    import pickle

    import torch

    if not file.is_file():
        raise ExplorerError("the shard named by the index is missing", file)
    key = file.resolve()
    if key in _TORCH_CACHE:
        return _TORCH_CACHE[key]
    try:
        try:
            obj = torch.load(str(file), map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as exc:
            if "mmap" not in str(exc):
                raise
            obj = torch.load(str(file), map_location="cpu", weights_only=True)  # legacy (non-zip) file
    except pickle.UnpicklingError:
        raise ExplorerError("refused: the checkpoint holds Python objects besides tensors, and is only ever "
                            "loaded with weights_only=True (a full unpickling could run code)", file) from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise ExplorerError(f"cannot read the PyTorch checkpoint: {str(exc).splitlines()[0]}", file) from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise ExplorerError("the checkpoint is not a state dict (name -> tensor)", file)
    tensors = {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    _TORCH_CACHE.clear()  # keep one file's map at most
    _TORCH_CACHE[key] = tensors
    return tensors


def folder_vocabulary(path: Path):
    """The tokenizer's vocabulary in the folder (with the tokenizer, for the Sentence tab), or
    None when it has none. (vocab_files reads the same files; it imports the vectors reader,
    which imports this module, so the few lines are here again rather than a cycle.)"""
    from explorer.core.io.textio import read_text
    from explorer.core.tokens.subword import gpt2_tokenizer, json_tokenizer, wordpiece_tokenizer
    from explorer.core.tokens.vocab import Vocabulary

    if (path / "tokenizer.json").is_file():
        file = path / "tokenizer.json"
        text = read_text(file, what="tokenizer.json")
        tokenizer = json_tokenizer(text, file)
        by_id = {i: t for t, i in tokenizer.tokenizer.get_vocab(with_added_tokens=True).items()}
        if not by_id:
            raise ExplorerError("this tokenizer has an empty vocabulary", file)
        tokens = [by_id.get(i, f"<unused {i}>") for i in range(max(by_id) + 1)]
        vocab = Vocabulary(tokens=tokens, kind="tokenizer-json", tokenizer=tokenizer)
    elif (path / "vocab.txt").is_file():
        file = path / "vocab.txt"
        tokens = read_text(file, what="vocab.txt").split("\n")
        tokens = [t[:-1] if t.endswith("\r") else t for t in tokens]
        if tokens and tokens[-1] == "":
            tokens.pop()
        if not tokens:
            raise ExplorerError("the vocabulary file is empty", file)
        vocab = Vocabulary(tokens=tokens, kind="wordpiece", tokenizer=wordpiece_tokenizer(tokens))
    else:
        for encoder, merges in (("vocab.json", "merges.txt"), ("encoder.json", "vocab.bpe")):
            if (path / encoder).is_file() and (path / merges).is_file():
                break
        else:
            return None
        file = path / encoder
        mapping = json.loads(read_text(file, what=encoder))
        if not isinstance(mapping, dict) or not mapping or not all(type(v) is int and v >= 0 for v in mapping.values()):
            raise ExplorerError("expected a JSON object mapping token -> id", file)
        tokens = [None] * (max(mapping.values()) + 1)
        for token, i in mapping.items():
            tokens[i] = token
        tokens = [t if t is not None else f"<unused {i}>" for i, t in enumerate(tokens)]
        specials = [t for t in tokens[-100:] if t.startswith("<|") and t.endswith("|>")]
        vocab = Vocabulary(tokens=tokens, kind="gpt2", tokenizer=gpt2_tokenizer(file, path / merges, specials))
    vocab.specials = vocab.tokenizer.special_ids()
    return vocab


@dataclass
class FolderTable:
    tokens_vocab: object  # Vocabulary or None
    weights: np.ndarray
    tensor_name: str
    tensor_file: Path
    positional: np.ndarray | None
    position_name: str | None
    warnings: list[str]


def load_folder(path: str | Path, tensor_name: str | None = None, progress=None) -> FolderTable:
    """The embedding table (or `tensor_name`), the tokenizer's vocabulary and the positional table."""
    path = Path(path)
    folder = open_folder(path)
    if progress:
        progress(0.05)
    if tensor_name is not None:
        if tensor_name not in folder.tensor_files:
            raise ExplorerError(f"no tensor named {tensor_name!r} in this model", path)
        name = tensor_name
    else:
        name = folder.embedding_name()
    shape = folder.shapes([name])[name]
    if len(shape) != 2:
        raise ExplorerError(f"tensor {name!r} has shape {list(shape)}; an embedding table needs rows x dim", path)
    from explorer.core.matrix.memory import check_matrix

    check_matrix(*shape, what=f"tensor {name!r}", path=folder.tensor_files[name])
    weights = folder.read(name)
    if progress:
        progress(0.8)
    position = folder.position_name(weights.shape[1])
    positional = folder.read(position) if position else None
    vocab = folder_vocabulary(path)
    return FolderTable(vocab, weights, name, folder.tensor_files[name], positional, position, [])


def positional_table(path: str | Path, dim: int) -> np.ndarray | None:
    """The learned positional table of a model folder, when it has one of width `dim`."""
    try:
        folder = open_folder(path)
        name = folder.position_name(dim)
        return folder.read(name) if name else None
    except ExplorerError:
        return None
