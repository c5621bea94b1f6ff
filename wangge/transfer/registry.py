"""Which importer handles which kind of file; each lives in its app's importers.py."""

from django.utils.module_loading import import_string

from wangge.transfer.importing import Importer
from wangge.transfer.models import ImportKind

IMPORTERS = {
    ImportKind.ADDRESSES: "wangge.addresses.importers.AddressImporter",
    ImportKind.HOUSES: "wangge.housing.importers.HouseImporter",
    ImportKind.PEOPLE: "wangge.people.importers.PersonImporter",
    ImportKind.UNITS: "wangge.units.importers.UnitImporter",
}


def importer_for(kind: str) -> Importer:
    """KeyError for an unknown kind."""
    return import_string(IMPORTERS[ImportKind(kind)])()
