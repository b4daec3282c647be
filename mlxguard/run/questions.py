"""Deterministic questions for the `flexible` suite: templates x topics x audiences x formats.

Question i is a pure function of (seed, i): a seeded affine permutation `j = (a*i + b) mod N`
of the N = 25 x 50 x 9 x 9 = 101,250 combinations, with `a` coprime to N, so the first
101,250 questions are all different, any prefix is the same whatever the count asked for, and
100,000 questions take a fraction of a second (no list of all combinations is built).
"""

from __future__ import annotations

import math
import random

STEMS = [
    "How does {t} work",
    "What problem does {t} solve",
    "What are the main trade-offs of {t}",
    "When should a team avoid {t}",
    "What is a common misconception about {t}",
    "How would you test {t}",
    "How has {t} changed over the last decade",
    "What are the first steps to learn {t}",
    "How does {t} fail, and how do you notice",
    "What is the history of {t}",
    "How would you explain the cost of {t}",
    "Which metrics tell you that {t} is working",
    "What are the security risks of {t}",
    "How does {t} compare with its main alternative",
    "What would you change about {t}",
    "Why do people disagree about {t}",
    "What does a good design for {t} look like",
    "How do you debug {t}",
    "What is the simplest example of {t}",
    "What limits the speed of {t}",
    "How does {t} scale to many users",
    "What should a beginner read about {t}",
    "What are the hidden costs of {t}",
    "How does {t} affect energy use",
    "What is the future of {t}",
]

TOPICS = [
    "garbage collection",
    "public-key cryptography",
    "photosynthesis",
    "compound interest",
    "the TCP handshake",
    "vaccines",
    "container orchestration",
    "plate tectonics",
    "sourdough baking",
    "unit testing",
    "database indexes",
    "the immune system",
    "solar panels",
    "inflation",
    "version control",
    "neural networks",
    "caching",
    "supply chains",
    "bicycle gears",
    "memory allocators",
    "the water cycle",
    "load balancing",
    "attention in transformers",
    "quantization of model weights",
    "rainforest ecosystems",
    "code review",
    "weather forecasting",
    "electric motors",
    "search engines",
    "the printing press",
    "recycling plastics",
    "continuous integration",
    "ocean currents",
    "password managers",
    "GPS navigation",
    "coffee roasting",
    "tax brackets",
    "black holes",
    "remote work",
    "speech recognition",
    "urban planning",
    "the Unicode standard",
    "sleep cycles",
    "wind turbines",
    "open-source licensing",
    "matrix multiplication",
    "bird migration",
    "the stock market",
    "3D printing",
    "antibiotic resistance",
]

AUDIENCES = [
    "a curious child",
    "a high-school student",
    "a new engineer",
    "a senior engineer",
    "a busy manager",
    "a journalist",
    "a retired teacher",
    "an investor",
    "a skeptical scientist",
]

FORMATS = [
    "in one short paragraph",
    "in three bullet points",
    "with one concrete example",
    "in plain words",
    "with an analogy",
    "in two sentences",
    "step by step",
    "as a short story",
    "with a pros and cons list",
]

COMBINATIONS = len(STEMS) * len(TOPICS) * len(AUDIENCES) * len(FORMATS)


def _permutation(seed: int) -> tuple[int, int]:
    """(a, b) of the seeded affine permutation of [0, COMBINATIONS)."""
    rng = random.Random(f"questions:{seed}")
    while True:
        a = rng.randrange(1, COMBINATIONS)
        if math.gcd(a, COMBINATIONS) == 1:
            return a, rng.randrange(COMBINATIONS)


def question(j: int) -> str:
    """Combination number `j` (mixed radix over formats, audiences, topics, stems) as a question."""
    j, f = divmod(j, len(FORMATS))
    j, a = divmod(j, len(AUDIENCES))
    s, t = divmod(j, len(TOPICS))
    stem = STEMS[s].format(t=TOPICS[t])
    return f"{stem}? Answer for {AUDIENCES[a]}, {FORMATS[f]}."


def make_questions(n: int, seed: int = 0) -> list[str]:
    """The first `n` questions of the seeded sequence (all distinct up to COMBINATIONS)."""
    if n < 0:
        raise ValueError(f"question count {n} is negative")
    a, b = _permutation(seed)
    return [question((a * i + b) % COMBINATIONS) for i in range(n)]
