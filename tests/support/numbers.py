"""Synthetic numbers that never print themselves: a failing test shows them masked."""

from __future__ import annotations

from mnvault.numbers import generate_my_numbers, is_valid_my_number, mask


class MaskedStr(str):
    """A synthetic number whose repr is masked, so failing tests never print it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{mask(self)}'" if is_valid_my_number(self) else "'<masked>'"


class MaskedList(list[str]):
    def __repr__(self) -> str:
        return f"[{len(self)} synthetic numbers]"


def synthetic_numbers(count: int, seed: int) -> list[str]:
    return MaskedList(MaskedStr(n) for n in generate_my_numbers(count, seed))
