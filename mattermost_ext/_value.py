"""``Value``: the base of the small immutable records of the retry and rate-limit modules.

What ``@dataclass(frozen=True)`` gives them (equality, hashing, a repr, no assignment,
pickling), read from ``__slots__`` at run time instead of generated as code when the class is
made: ``dataclass`` costs about 0.4 ms per class at import, and these modules load with the
client.  A subclass lists its fields in ``__slots__`` in the order of its ``__init__``'s
parameters and sets them with ``object.__setattr__``.
"""

from __future__ import annotations

from typing import Any


class Value:
    __slots__ = ()

    def _names(self) -> tuple[str, ...]:
        names: tuple[str, ...] = type(self).__slots__
        return names

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._names())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        same: bool = self._fields() == other._fields()  # type: ignore[attr-defined]
        return same

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._names())
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._fields()
