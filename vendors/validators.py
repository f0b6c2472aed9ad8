"""Field rules for the vendor master, each naming the value and the rule it breaks."""

import re

from django.core.exceptions import ValidationError
from stdnum import lei as stdnum_lei
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from vendors.boundary import categories_problems

NAICS_RE = re.compile(r"^\d{6}$")


def validate_naics6(value: str) -> None:
    """A 2017/2022 NAICS national industry code: exactly six digits."""
    if value and not NAICS_RE.match(value):
        raise ValidationError(
            "%(value)s is not a NAICS code: it must be exactly six digits (e.g. 334413).",
            code="naics_format",
            params={"value": value},
        )


def validate_lei(value: str) -> None:
    """An ISO 17442 Legal Entity Identifier: 20 characters whose ISO 7064 mod 97-10 check passes."""
    if not value:
        return
    try:
        # stdnum checks only the mod 97 digits, so a 19- or 21-character value would be reported
        # as a check-digit failure; the length is the clearer rule to name.
        if len(stdnum_lei.compact(value)) != 20:
            raise InvalidLength()
        stdnum_lei.validate(value)
    except InvalidLength as exc:
        raise ValidationError(
            "%(value)s is not an LEI: it must be 20 characters (ISO 17442).",
            code="lei_length",
            params={"value": value},
        ) from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            "%(value)s is not a valid LEI: its check digits fail the ISO 17442 mod 97 check.",
            code="lei_checksum",
            params={"value": value},
        ) from exc
    except (InvalidFormat, StdnumError) as exc:
        raise ValidationError(
            "%(value)s is not an LEI: only digits and capital letters are allowed (ISO 17442).",
            code="lei_format",
            params={"value": value},
        ) from exc


def validate_upstream_categories(value) -> None:
    """A list of GHG Protocol upstream Scope 3 category numbers, 1 to 8 (vendors/boundary.py)."""
    problems = categories_problems(value)
    if problems:
        raise ValidationError(problems, code="upstream_category")
