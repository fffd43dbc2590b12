"""What the semantic layer reads of a story: the headline, then the summary's lede.

Pure text work on top of the rules' tokenizer (``bot.rules.words``): no numpy, no model. The
encoder embeds what ``story_text`` returns; the classifiers and the embedding cache key on it.
"""

from __future__ import annotations

from bot.rules.words import lede_length, tokenize_field


def lede_of(text: str) -> str:
    """A summary as the layer reads it: whole when short, else its lede (the opening sentences
    the rules' ``lede:`` scope reads, ``bot.rules.words.lede_length``) with its final stop.
    The model reads at most 128 tokens anyway; this makes them the story's opening rather than
    whatever a long text happens to start with past it, and keeps a short summary unchanged."""
    toks = tokenize_field("summary", text)
    n = lede_length(toks)
    return text if n >= len(toks.keys) else text[: toks.starts[n]].rstrip()


def story_text(title: str, summary: str) -> str:
    """The text that is embedded: the headline, then the summary's lede (see ``lede_of``)."""
    title, summary = title.strip(), lede_of(summary).strip()
    if title and summary:
        return f"{title}{'' if title[-1] in '.!?:' else '.'} {summary}"
    return title or summary
