"""Import every package's models so that Base.metadata knows all tables."""

from mnvault.access import models as access_models
from mnvault.affairs import models as affairs_models
from mnvault.audit import models as audit_models
from mnvault.auth import models as auth_models
from mnvault.compliance import models as compliance_models
from mnvault.db.base import Base
from mnvault.disposal import models as disposal_models
from mnvault.keys import models as keys_models
from mnvault.orgs import models as orgs_models
from mnvault.vault import models as vault_models

metadata = Base.metadata

__all__ = [
    "access_models",
    "affairs_models",
    "audit_models",
    "auth_models",
    "compliance_models",
    "disposal_models",
    "keys_models",
    "metadata",
    "orgs_models",
    "vault_models",
]
