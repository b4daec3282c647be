"""The load engine: many requests at once against a batching server (the `load` suite).

One module per job: `shapes` (closed and open loops, seeded arrivals, the sweep and its knee),
`workload` (the requests: exact token counts, distinct prompts), `client` (the asynchronous
streaming client of OpenAI-compatible servers), `batch` (in-process batching through mlx-lm's
`BatchGenerator`), `driver` (one load window, warm-up excluded) and `window` (a window's
figures: throughput, latency percentiles, goodput, saturation and the workload the server saw).
"""
