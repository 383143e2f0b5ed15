#!/usr/bin/env python3
"""Writes the CoNLL-2003 documents as JSON Lines articles, to import news nobody tuned
the extraction for: one record per -DOCSTART- document, its first sentence as the
title and each further sentence as a paragraph of the body (tokens joined by spaces).

Usage: python3 scripts/conll_articles.py ../shared/data/conll2003/eng.train \
           ../shared/data/conll2003/eng.testa > conll.jsonl
       cargo run --release -- import --db conll.sqlite conll.jsonl
"""
import json
import os
import sys


def documents(path):
    """The documents of a CoNLL file, each a list of sentences of tokens."""
    docs, doc, sent = [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("-DOCSTART-") or not line.strip():
                if sent:
                    doc.append(sent)
                    sent = []
                if line.startswith("-DOCSTART-") and doc:
                    docs.append(doc)
                    doc = []
                continue
            sent.append(line.split(" ")[0])
    if sent:
        doc.append(sent)
    if doc:
        docs.append(doc)
    return docs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        name = os.path.basename(path)
        for i, doc in enumerate(documents(path)):
            sentences = [" ".join(s) for s in doc]
            record = {"id": f"{name}-{i}", "title": sentences[0], "body": "\n".join(sentences[1:])}
            print(json.dumps(record))


if __name__ == "__main__":
    main()
