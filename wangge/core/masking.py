"""Masking of personal identifiers: shown in full only to roles that may, and only on an explicit reveal."""


def mask_id_number(value: str | None) -> str:
    """3502**********1234: region prefix and last four kept, the length visible, the rest hidden."""
    if not value:
        return ""
    if len(value) <= 8:
        return value[:1] + "*" * (len(value) - 1)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


MASKERS = {"id": mask_id_number, "phone": mask_phone}


def mask(kind: str, value: str | None) -> str:
    return MASKERS[kind](value)
