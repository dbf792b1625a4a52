"""Text fields of request bodies, shared by the API routes.

PostgreSQL, the production store, refuses a NUL character in any text value, so a NUL that
reached a query would end in a server error; other control characters have no place in a
name, an affair code or a login either. These types refuse them at the edge, and the
OpenAPI schema says so (a ``pattern``), so clients and Schemathesis know.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# One line: no control character at all (C0, DEL).
Line = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*$")]
# Free text (a reason, a purpose): tabs and line breaks allowed, no other control character.
Text = Annotated[str, Field(pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]
# An affair's code, as the catalogue and the organisations name them.
AffairCode = Annotated[Line, Field(min_length=1, max_length=64)]
