"""Train an nn.Embedding on the demo corpus, logging it; watch it live in another terminal:

    python examples/watch_training.py demo.eerun &
    embedding-explorer --watch demo.eerun
"""
import sys

import torch

import explorer
from explorer.core.tokens.demo import category_labels, demo_corpus, demo_vocabulary

path, steps = (sys.argv[1:] + ["demo.eerun"])[0], int((sys.argv[2:] + ["3000"])[0])
vocab = demo_vocabulary()
lines = [[vocab.id_of(w) for w in line.lower().split() if vocab.id_of(w) is not None] for line in demo_corpus()]
pairs = torch.tensor([(a, b) for s in lines for a, b in zip(s, s[1:])])  # (word, next word)
torch.manual_seed(0)
embed, out = torch.nn.Embedding(len(vocab), 64), torch.nn.Linear(64, len(vocab))
optimizer = torch.optim.Adam([*embed.parameters(), *out.parameters()], lr=0.01)
with explorer.Run(path, tokens=vocab, every=50, steps=steps, metadata=category_labels(vocab)) as run:
    for step in range(steps):
        batch = pairs[torch.randint(len(pairs), (256,))]
        loss = torch.nn.functional.cross_entropy(out(embed(batch[:, 0])), batch[:, 1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run.log(step, embed.weight, loss.item())  # keeps the matrix every 50 steps
print(f"logged {steps} steps to {path}")
