"""guidance: a career-guidance recommender for vocational training in Vietnam.

Nothing heavy is imported here, so that ``guidance --help`` stays fast.
"""

__version__ = "0.1.0"
CONTRACT_VERSION = 1
