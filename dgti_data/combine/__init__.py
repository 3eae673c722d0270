"""Many files, one dataset: how submissions of a dataset combine, as ``schemas/`` declares it."""

from dgti_data.combine.rules import CombineRule, combine_rule
from dgti_data.combine.union import KeyConflict, Submission, Union, union_submissions

__all__ = ["CombineRule", "KeyConflict", "Submission", "Union", "combine_rule", "union_submissions"]
