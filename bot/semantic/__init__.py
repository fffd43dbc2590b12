"""The optional semantic layer (extra ``[semantic]``): embed stories with a small local model and
score the ethics categories from labelled examples; combine the scores with rule matches.

May import: ``bot.core``, ``bot.observe``, ``bot.rules``; owns numpy, tokenizers and safetensors.
"""
