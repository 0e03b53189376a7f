"""Data contract v1 as code: schemas, reading, validation and loading of a data directory.

See ``docs/data_contract.md`` for how the contract maps onto this package.
"""

from __future__ import annotations

from guidance import CONTRACT_VERSION
from guidance.contract.coerce import read_table
from guidance.contract.cross import Context
from guidance.contract.load import TABLE_ORDER, data_hash, load_dir, table_files, validate_dir
from guidance.contract.report import ContractError, Issue, ValidationReport
from guidance.contract.schema import TABLES, Col, Table
from guidance.contract.validate import check_table, validate_table

__all__ = [
    "CONTRACT_VERSION",
    "TABLES",
    "TABLE_ORDER",
    "Col",
    "Context",
    "ContractError",
    "Issue",
    "Table",
    "ValidationReport",
    "check_table",
    "data_hash",
    "load_dir",
    "read_table",
    "table_files",
    "validate_dir",
    "validate_table",
]
