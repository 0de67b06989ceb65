"""Numbers written for the prose of a page (glued into the text with myst-nb)."""

import math

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def scientific(value: float, digits: int = 1) -> str:
    """``value`` as a reader writes it: ``4.5 × 10⁻⁵`` rather than ``4.5e-05``.

    Args:
        value: a finite number.
        digits: digits after the decimal point of the mantissa.

    Returns:
        The mantissa, and ``× 10`` with a superscript exponent unless the
        exponent is 0.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value} in scientific notation")
    if digits < 0:
        raise ValueError(f"digits must be >= 0, got {digits}")
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    exponent = int(exponent)
    if exponent == 0:
        return mantissa
    return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
