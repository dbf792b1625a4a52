"""The request context, where services have always found it; it lives in the kernel
(mnvault.context) so that the kernel's transaction can use it without a domain import."""

from __future__ import annotations

from mnvault.context import Context, new_request_id

__all__ = ["Context", "new_request_id"]
