"""The run stage: plan, runner, timing, prompts, questions, adaptive rounds, environment."""
