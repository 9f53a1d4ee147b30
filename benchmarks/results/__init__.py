"""Result files and what they are judged against: schema and validation, latency statistics, targets.

``schema`` (dataclasses, JSON, validation against ``result.schema.json`` beside it), ``stats``
(summaries, bootstrap, rank test), ``targets`` (the paper's FPS targets), ``run_targets`` (in-run
targets). The lowest stage: imports no runtime and nothing from the other subpackages.
"""
