"""Schemathesis hooks: strategies for the contract's own string formats.

The contract marks identifiers whose last digit is a check digit with a
format (`gsrn`, `gln`, `no-orgnr`) besides their pattern: JSON Schema cannot
say a check digit, so without these schemathesis would send mostly wrong
ones as valid data. Loaded by contract_test.go through SCHEMATHESIS_HOOKS.
"""

import schemathesis
from hypothesis import strategies as st


def gs1_check_digit(digits):
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gs1(length):
    body = st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1)
    return body.map(lambda digits: digits + gs1_check_digit(digits))


ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number_control_digit(first8):
    r = sum(int(d) * w for d, w in zip(first8, ORG_NUMBER_WEIGHTS)) % 11
    return None if r == 1 else str(0 if r == 0 else 11 - r)


org_numbers = (
    st.text(alphabet="0123456789", min_size=8, max_size=8)
    .filter(lambda first8: org_number_control_digit(first8) is not None)
    .map(lambda first8: first8 + org_number_control_digit(first8))
)

schemathesis.openapi.format("gsrn", gs1(18))
schemathesis.openapi.format("gln", gs1(13))
schemathesis.openapi.format("no-orgnr", org_numbers)
