"""The training pipeline: data directory → features → models → evaluation → MLflow → artifact.

``training`` imports ``guidance``; ``guidance`` never imports ``training`` (its
commands reach ``guidance`` through the ``guidance.commands`` entry point).
"""
