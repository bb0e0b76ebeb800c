"""Small discrete logarithms (vote counts) by baby-step giant-step."""

from evcrypto.errors import CryptoError
from evcrypto.group import Element, Group

DEFAULT_BOUND = 10_000_000
MAX_BOUND = 10_000_000_000  # ~610,000 giant steps: a few seconds at worst
# 2**14 baby steps cost ~60 ms once per process; a count up to 10**7 then needs at most 611
# giant steps (~3 ms), and 10**9 still under half a second.
_BABY_STEPS = 1 << 14
_baby_tables: dict[str, dict[bytes, int]] = {}


def discrete_log(element: Element, bound: int = DEFAULT_BOUND) -> int:
    """Return m in 0..bound with element == m * generator; CryptoError if there is none.

    1. Baby steps (built lazily, once per group): encode(j * g) -> j for j < 2**14.
    2. Giant steps: for i = 0, 1, ...: if element - i * 2**14 * g is a baby step j, the answer
       is i * 2**14 + j.
    """
    if not isinstance(element, Element):
        raise CryptoError("discrete log: expected a group element")
    if isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound <= MAX_BOUND:
        raise CryptoError(f"discrete log: bound must be an integer in 0..{MAX_BOUND}")
    group = element.group
    table = _baby_table(group)
    giant_step = -group.mul_base(_BABY_STEPS)
    current = element
    for giant in range(bound // _BABY_STEPS + 1):
        baby = table.get(current.encode())
        if baby is not None:
            value = giant * _BABY_STEPS + baby
            if value <= bound:
                return value
            break
        current = current + giant_step
    raise CryptoError(f"discrete log: no value in 0..{bound}")


def _baby_table(group: Group) -> dict[bytes, int]:
    table = _baby_tables.get(group.name)
    if table is None:
        table = {}
        point, step = group.identity(), group.generator()
        for exponent in range(_BABY_STEPS):
            table[point.encode()] = exponent
            point = point + step
        _baby_tables[group.name] = table
    return table
