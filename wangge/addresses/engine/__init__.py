"""The standard address engine: parse, normalise and compare free-text Chinese addresses (docs/address-engine.md)."""

from wangge.addresses.engine.canonical import TYPES
from wangge.addresses.engine.compare import compare
from wangge.addresses.engine.parse import Element, ParsedAddress, normalise, parse, parse_many

__all__ = ["TYPES", "Element", "ParsedAddress", "compare", "normalise", "parse", "parse_many"]
