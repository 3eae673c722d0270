"""Anonymise stage (PDPA): raw normalised table → publishable table, its schema and a report.

``anonymise`` applies each field's declared treatment (keep, drop, pseudonymise, generalise,
redact), enforces k-anonymity on the quasi-identifiers and runs the leak gate;
``published_schema`` derives the published Table Schema from the raw one.
"""

from dgti_data.anonymise.core import AnonymisedTable, anonymise
from dgti_data.anonymise.generalise import INVALID
from dgti_data.anonymise.kanon import KAnonymityResult, check_k
from dgti_data.anonymise.leakgate import Leak
from dgti_data.anonymise.policy import load_policy, published_schema
from dgti_data.anonymise.report import AnonymisationReport

__all__ = [
    "INVALID",
    "AnonymisationReport",
    "AnonymisedTable",
    "KAnonymityResult",
    "Leak",
    "anonymise",
    "check_k",
    "load_policy",
    "published_schema",
]
