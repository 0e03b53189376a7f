"""The recommender (pure core: no web framework, no MLflow): ``core.Recommender`` and the
domain types of ``types``; built from a bundle and a data directory by ``loading``."""
