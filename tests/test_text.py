import pytest

from nnbook.text import scientific


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (4.5397868702434395e-05, 1, "4.5 × 10⁻⁵"),
        (123456.0, 2, "1.23 × 10⁵"),
        (-0.00123, 1, "-1.2 × 10⁻³"),
        (2.5, 1, "2.5"),
        (9.96, 1, "1.0 × 10¹"),  # rounding carries into the exponent
        (1e-12, 0, "1 × 10⁻¹²"),
    ],
)
def test_scientific(value, digits, expected):
    assert scientific(value, digits) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_scientific_refuses_non_finite(bad):
    with pytest.raises(ValueError, match="cannot write"):
        scientific(bad)


def test_scientific_refuses_negative_digits():
    with pytest.raises(ValueError, match="digits"):
        scientific(1.0, -1)
