"""
Masking (floutage): `MaskEmail`, `MaskPhone`, `Mask` and `Redact`.

Masking hides most of a value and keeps a little of it for humans (support
staff recognising a customer, a test environment that must look real). It is
not keyed and not reversible, but what it keeps can still single someone out:
masked values usually remain personal data.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from custdata.transforms._checks import boolean, one_char, text_field, whole
from custdata.transforms._text_input import TextInput, holds_text
from custdata.transforms.base import (
    BaseTransform,
    Guarantees,
    _as_array,
    _pc,
    _pyarrow,
    whole_array,
)

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Mask", "MaskEmail", "MaskPhone", "Redact"]

_MASKING: Final = Guarantees(
    reversible=False,
    deterministic=True,
    keyed=False,
    format_preserving=False,
    output_is_personal_data=True,
)


@attrs.frozen(kw_only=True)
class MaskEmail(TextInput):
    """
    Mask an email address, keeping its first letters and its top-level domain.

    By default each masked part is replaced by a fixed-length mask, so the
    output does not reveal the length of the address.

    Example:
        >>> MaskEmail()("jean.dupont@example.fr")
        'j***@e***.fr'
        >>> MaskEmail(keep_length=True)("jean.dupont@example.fr")
        'j**********@e******.fr'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output is still personal data.

    **Does not protect against**: recognition by someone who knows the person
    (first letter, provider and country stay visible); small populations in
    which an initial and a provider are unique; with ``keep_length=True``, the
    lengths of the local part and of the domain.

    **Algorithm**: split at the last ``@`` into local part and domain, then
    split the domain at its last ``.`` into host and top-level domain; output
    ``local[0] + mask + "@" + host[0] + mask + "." + tld`` (without ``"." +
    tld`` when the domain has no dot), where ``mask`` is ``mask_char *
    mask_length``, or ``mask_char`` repeated to hide every other character of
    the part with ``keep_length=True``. Values without a non-empty local part,
    host and top-level domain raise ``TransformError`` (code ``invalid_email``);
    strings holding a lone surrogate, code ``invalid_text``.

    Args:
        mask_char: The masking character (exactly one).
        mask_length: The length of the fixed mask (1 to 16).
        keep_length: Mask each hidden character instead (leaks lengths).

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "mask_email"
    guarantees: ClassVar[Guarantees] = _MASKING
    output_type: ClassVar[type] = str

    mask_char: str = attrs.field(default="*", validator=one_char)
    mask_length: int = attrs.field(default=3, validator=whole(1, 16))
    keep_length: bool = attrs.field(default=False, validator=boolean)

    def _one(self, value: object) -> object:
        local, at, domain = self._text(value).rpartition("@")
        host, dot, tld = domain.rpartition(".")
        if not dot:
            host = domain
        if not at or not local or not host or (dot and not tld):
            raise self._error(code="invalid_email", message="not an email address")
        if self.keep_length:
            local_mask = self.mask_char * (len(local) - 1)
            host_mask = self.mask_char * (len(host) - 1)
        else:
            local_mask = host_mask = self.mask_char * self.mask_length
        out = f"{local[0]}{local_mask}@{host[0]}{host_mask}"
        return f"{out}.{tld}" if dot else out

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Mask a pyarrow string array with pyarrow.compute; equal to `apply_many`.

        Args:
            array: A pyarrow string array.

        Returns:
            The masked strings, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a value is not an email address.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        if not holds_text(pa, array):
            return super().apply_arrow(array)
        text = _text_scalars(pa, array.type)
        parts = pc.split_pattern(array, "@", max_splits=1, reverse=True)
        has_at = pc.equal(pc.list_value_length(parts), 2)
        # Lists of the wrong length are padded first: list_element refuses them.
        pair = pc.if_else(has_at, parts, pa.scalar(["", ""], parts.type))
        local = pc.list_element(pair, 0)
        domain = pc.list_element(pair, 1)
        dparts = pc.split_pattern(domain, ".", max_splits=1, reverse=True)
        has_dot = pc.equal(pc.list_value_length(dparts), 2)
        dpair = pc.if_else(has_dot, dparts, pa.scalar(["", ""], dparts.type))
        host = pc.if_else(has_dot, pc.list_element(dpair, 0), domain)
        tld = pc.list_element(dpair, 1)
        ok = pc.and_(
            pc.and_(has_at, pc.greater(pc.utf8_length(local), 0)),
            pc.and_(
                pc.greater(pc.utf8_length(host), 0),
                pc.or_(pc.invert(has_dot), pc.greater(pc.utf8_length(tld), 0)),
            ),
        )
        if pc.any(pc.invert(ok)).as_py():
            raise self._error(code="invalid_email", message="not an email address")
        if self.keep_length:
            # Clamped at 0: null slots hold no length, and repeat refuses negative counts.
            local_hidden = pc.max_element_wise(pc.subtract(pc.utf8_length(local), 1), 0)
            host_hidden = pc.max_element_wise(pc.subtract(pc.utf8_length(host), 1), 0)
            local_mask = pc.binary_repeat(text(self.mask_char), local_hidden)
            host_mask = pc.binary_repeat(text(self.mask_char), host_hidden)
        else:
            local_mask = host_mask = text(self.mask_char * self.mask_length)
        empty = text("")
        suffix = pc.if_else(has_dot, pc.binary_join_element_wise(text("."), tld, empty), empty)
        return _as_array(
            pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(local, 0, 1),
                local_mask,
                text("@"),
                pc.utf8_slice_codeunits(host, 0, 1),
                host_mask,
                suffix,
                text(""),
            )
        )


def _text_scalars(pa: Any, kind: Any) -> Callable[[str], Any]:
    """
    Scalars of the input's string type for a kernel's literals.

    pyarrow.compute joins ``string`` with ``string`` and ``large_string`` with
    ``large_string`` only: a plain ``"@"`` would refuse a ``large_string`` array.
    """
    return functools.partial(pa.scalar, type=kind)


_PHONE_SEPARATORS: Final = re.compile(r"[\s.\-()/]+")
_DIGITS: Final = re.compile(r"[0-9]+")


def _country_codes() -> frozenset[str]:
    from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

    return frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)


# _PHONE_SEPARATORS for pyarrow.compute (RE2), whose \s is ASCII whitespace only:
# every character Python's pattern matches (its \s is str.isspace), listed. A test
# checks, over every code point, that RE2 removes exactly what Python removes.
_PHONE_SEPARATORS_RE2: Final = (
    r"[\x{9}-\x{d}\x{1c}-\x{20}\x{28}\x{29}\x{2d}-\x{2f}\x{85}\x{a0}\x{1680}"
    r"\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]+"
)


def _phone_re2(codes: frozenset[str]) -> str:
    """
    A number once separators are gone and ``00`` became ``+``, for pyarrow.compute (RE2).

    ``head`` is ``+`` and the country calling code (empty without ``+``) and
    ``rest`` the digits after it. The codes are tried shortest first, as in
    `MaskPhone`; they are prefix-free anyway (a test checks), so at most one fits.
    """
    alternatives = "|".join(sorted(codes, key=lambda code: (len(code), code)))
    return rf"^(?P<head>\+(?:{alternatives}))?(?P<rest>[0-9]+)$"


@attrs.frozen(kw_only=True)
class MaskPhone(TextInput):
    """
    Mask a phone number, keeping its country code and its last digits.

    Example:
        >>> MaskPhone()("+33 6 12 34 56 78")
        '+33*******78'
        >>> MaskPhone(keep_last=4)("06 12 34 56 78")
        '******5678'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output is still personal data.

    **Does not protect against**: recognition from the last digits by someone
    who knows the number; the country and the number's length stay visible.

    **Algorithm**: remove spaces and ``. - ( ) /``; a leading ``00`` becomes
    ``+``. With ``+``, the country calling code is the shortest prefix of 1 to
    3 digits that is an assigned code (from ``phonenumbers``); it is kept with
    the ``+``. Of the remaining digits, the last ``keep_last`` are kept and
    every other one is replaced by ``mask_char`` (all are masked when there
    are no more than ``keep_last``). Anything but ASCII digits after the
    clean-up raises ``TransformError`` (code ``invalid_phone``); a string
    holding a lone surrogate, code ``invalid_text``.

    Args:
        keep_last: Trailing digits kept (0 to 4).
        mask_char: The masking character (exactly one).

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "mask_phone"
    guarantees: ClassVar[Guarantees] = _MASKING
    output_type: ClassVar[type] = str

    keep_last: int = attrs.field(default=2, validator=whole(0, 4))
    mask_char: str = attrs.field(default="*", validator=one_char)
    _codes: frozenset[str] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_codes", _country_codes())

    def _one(self, value: object) -> object:
        text = _PHONE_SEPARATORS.sub("", self._text(value))
        if text.startswith("00"):
            text = "+" + text[2:]
        head = ""
        if text.startswith("+"):
            text = text[1:]
            code = next((text[:n] for n in (1, 2, 3) if text[:n] in self._codes), None)
            if code is None or not text[len(code) :]:
                raise self._error(code="invalid_phone", message="no valid country calling code")
            head = "+" + code
            text = text[len(code) :]
        if _DIGITS.fullmatch(text) is None:
            raise self._error(code="invalid_phone", message="not a phone number")
        shown = self.keep_last if len(text) > self.keep_last else 0
        kept = text[len(text) - shown :] if shown else ""
        return head + self.mask_char * (len(text) - shown) + kept

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Mask a pyarrow string array with pyarrow.compute; equal to `apply_many`.

        The same steps as for one value, on the whole array: separators removed
        (the characters Python's ``\\s`` matches, not only ASCII ones), a leading
        ``00`` made ``+``, then one regular expression that splits ``+`` and a
        country calling code from the digits. When a value is refused, the first
        refused one is transformed alone, so the error is the one `apply_many` raises.

        Args:
            array: A pyarrow string array.

        Returns:
            The masked strings, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a value is not a phone number (code ``invalid_phone``).
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        if not holds_text(pa, array):
            return super().apply_arrow(array)
        text = pc.replace_substring_regex(array, _PHONE_SEPARATORS_RE2, "")
        text = pc.replace_substring_regex(text, "^00", "+", max_replacements=1)
        parts = pc.extract_regex(text, _phone_re2(self._codes))  # null where no match
        if pc.count(parts).as_py() != pc.count(array).as_py():
            refused = pc.and_(pc.is_valid(array), pc.is_null(parts))
            first = pc.indices_nonzero(refused)[0].as_py()
            self(array[first].as_py())  # raises the error apply_many raises
            return super().apply_arrow(array)  # not reached unless the two disagree
        # struct_field, not StructArray.field: the children do not hold the nulls.
        head, rest = pc.struct_field(parts, "head"), pc.struct_field(parts, "rest")
        text = _text_scalars(pa, array.type)
        empty = text("")
        keep = self.keep_last
        size = pc.binary_length(rest)  # ASCII digits: bytes are characters
        if keep:
            longer = pc.greater(size, keep)
            hidden = pc.if_else(longer, pc.subtract(size, keep), size)
            kept = pc.if_else(longer, pc.utf8_slice_codeunits(rest, -keep), empty)
        else:
            hidden, kept = size, empty
        mask = pc.binary_repeat(text(self.mask_char), hidden)
        return _as_array(pc.binary_join_element_wise(head, mask, kept, empty))


@attrs.frozen(kw_only=True)
class Mask(TextInput):
    """
    Mask a string, keeping its first and last characters.

    Every masked character becomes ``mask_char``, so the length is kept.
    A value too short to keep ``keep_first + keep_last`` characters and still
    hide one is masked entirely.

    Example:
        >>> Mask(keep_first=2, keep_last=3)("FR7630006000011234567890189")
        'FR**********************189'
        >>> Mask(keep_last=2)("ab")
        '**'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving (the characters change); the output is still personal data.

    **Does not protect against**: the kept characters and the length; a
    value whose kept characters are unique in the dataset.

    **Algorithm**: on the code points of the string, ``value[:keep_first] +
    mask_char * (len(value) - keep_first - keep_last) + value[len(value) -
    keep_last:]`` when ``len(value) > keep_first + keep_last``, else
    ``mask_char * len(value)``. A string holding a lone surrogate raises
    ``TransformError`` (code ``invalid_text``), wherever the surrogate is.

    Args:
        keep_first: Leading characters kept (0 to 64).
        keep_last: Trailing characters kept (0 to 64).
        mask_char: The masking character: exactly one; an empty one is refused.

    Raises:
        custdata.PolicyError: If a parameter is invalid.
    """

    name: ClassVar[str] = "mask"
    guarantees: ClassVar[Guarantees] = _MASKING
    output_type: ClassVar[type] = str

    keep_first: int = attrs.field(default=0, validator=whole(0, 64))
    keep_last: int = attrs.field(default=0, validator=whole(0, 64))
    mask_char: str = attrs.field(default="*", validator=one_char)

    def _one(self, value: object) -> object:
        text = self._text(value)
        size = len(text)
        first, last = self.keep_first, self.keep_last
        if size <= first + last:
            return self.mask_char * size
        return text[:first] + self.mask_char * (size - first - last) + text[size - last :]

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Mask a pyarrow string array with pyarrow.compute; equal to `apply_many`.

        Args:
            array: A pyarrow string array.

        Returns:
            The masked strings, nulls kept.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
            TransformError: If a value is not a string.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        if not holds_text(pa, array):
            return super().apply_arrow(array)
        text = _text_scalars(pa, array.type)
        size = pc.utf8_length(array)
        first, last = self.keep_first, self.keep_last
        long_enough = pc.greater(size, first + last)
        middle = pc.max_element_wise(
            pc.if_else(long_enough, pc.subtract(size, first + last), size), 0
        )
        head = pc.if_else(long_enough, pc.utf8_slice_codeunits(array, 0, first), text(""))
        tail = pc.if_else(
            pc.and_(long_enough, pa.scalar(last > 0)),
            pc.utf8_slice_codeunits(array, -last if last else 0),
            text(""),
        )
        mask = pc.binary_repeat(text(self.mask_char), middle)
        return _as_array(pc.binary_join_element_wise(head, mask, tail, text("")))


@attrs.frozen(kw_only=True)
class Redact(BaseTransform):
    """
    Replace any value by a fixed text.

    Example:
        >>> Redact()("Jean Dupont")
        '[REDACTED]'

    **Guarantees**: not reversible, deterministic, not keyed, not
    format-preserving; the output is not personal data (only whether a value
    was present remains).

    **Does not protect against**: inference from whether the field was empty
    (``None`` stays ``None``), or from the other fields of the record.

    **Algorithm**: every non-``None`` value becomes ``replacement``. Any value
    is accepted, even a string holding a lone surrogate: nothing of the value
    reaches the output, so there is nothing to refuse.

    Args:
        replacement: The text put in place of every value (valid Unicode text).

    Raises:
        custdata.PolicyError: If ``replacement`` is not a string of valid text.
    """

    name: ClassVar[str] = "redact"
    guarantees: ClassVar[Guarantees] = Guarantees(
        reversible=False,
        deterministic=True,
        keyed=False,
        format_preserving=False,
        output_is_personal_data=False,
    )
    output_type: ClassVar[type] = str

    replacement: str = attrs.field(default="[REDACTED]", validator=text_field(empty=True))

    def _one(self, value: object) -> object:
        return self.replacement

    def _many(self, values: list[object]) -> list[object]:
        return [self.replacement] * len(values)

    def apply_arrow(self, array: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
        """
        Redact a pyarrow array; equal to `apply_many`.

        Args:
            array: Any pyarrow array.

        Returns:
            A string array: ``replacement`` where the input is not null.

        Raises:
            MissingDependencyError: If pyarrow is not installed.
        """
        pa = _pyarrow()
        pc = _pc()

        array = whole_array(array)
        return _as_array(
            pc.if_else(
                pc.is_valid(array), pa.scalar(self.replacement), pa.scalar(None, pa.string())
            )
        )
