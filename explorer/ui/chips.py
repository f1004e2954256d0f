"""Token chips: a tokenized text as coloured pieces with their IDs (rich text for QLabel).

One look everywhere the app shows pieces (the Vocabulary dock's tokenize box, tour captions,
the Inspector's sentence tab): known pieces blue with their ID, unknown ones red with "?",
pieces mapped to the unknown token amber with "→<unk>".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

KNOWN = "background:#e4ecf7;color:#123"
UNKNOWN = "background:#fde2e2;color:#a00"
MAPPED_TO_UNK = "background:#fff0c2;color:#7a4a00"
ID_STYLE = "color:#557"


def token_chips(pieces: Sequence[str], ids: Sequence[int | None], *, display: Callable[[str], str] | None = None,
                unk_id: int | None = None, unk_token: str = "<unk>", limit: int = 40) -> str:
    """`pieces[i]` with `ids[i]` (None: not in the vocabulary), at most `limit` of them."""
    out = []
    unk = html.escape(unk_token)
    for piece, token_id in list(zip(pieces, ids))[:limit]:
        shown = html.escape(display(piece) if display else piece)
        if token_id is None:
            out.append(f"<span style='{UNKNOWN}'>&nbsp;{shown}<sub>?</sub>&nbsp;</span>")
        elif unk_id is not None and token_id == unk_id:
            arrow = "" if shown == unk else f"→{unk}"
            out.append(f"<span style='{MAPPED_TO_UNK}'>&nbsp;{shown}{arrow}<sub>{token_id}</sub>&nbsp;</span>")
        else:
            out.append(f"<span style='{KNOWN}'>&nbsp;{shown}<sub style='{ID_STYLE}'>{token_id}</sub>&nbsp;</span>")
    more = f" … (+{len(pieces) - limit})" if len(pieces) > limit else ""
    return " ".join(out) + more
