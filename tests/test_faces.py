"""The faces (issue #12, "Faces"): web/ is a frame that imports no domain package; routes
and views get one Call and reach the vault only through services; what an error page
shows is said by the error's own package.

lint-imports keeps the same contracts (pyproject.toml); these tests say them where a
failing run shows them, and read the code as text so they need no import graph."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import mnvault
from mnvault import errors
from mnvault.access.errors import AuthorizationDenied, OutOfReach
from mnvault.auth.errors import AccountLocked, SessionExpired
from mnvault.web import body_limits

SOURCE = Path(mnvault.__file__).parent
DOMAINS = {
    "access", "admin", "affairs", "attachments", "audit", "auth", "compliance", "dashboard",
    "deployment", "disposal", "keys", "orgs", "transfer", "vault", "app", "cli",
}  # fmt: skip


def _imports(path: Path) -> list[str]:
    """The mnvault modules a file imports when it runs (not those named for type checking)."""
    tree = ast.parse(path.read_text())
    checking = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mnvault"):
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("mnvault")]
    return found


def _faces() -> list[Path]:
    return sorted(
        [*SOURCE.glob("*/api.py"), *SOURCE.glob("*/views.py"), *SOURCE.glob("*/dashboard.py"),
         *(SOURCE / "web").glob("*.py"), *(SOURCE / "dashboard").glob("*.py"),
         *(SOURCE / "cli").glob("*.py"), SOURCE / "app.py"]
    )  # fmt: skip


def test_the_frame_imports_no_domain_package():
    for path in (SOURCE / "web").glob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            assert len(parts) < 2 or parts[1] not in DOMAINS, f"{path.name} imports {module}"


def test_faces_reach_neither_crypto_nor_the_database():
    for path in _faces():
        for module in _imports(path):
            assert not module.startswith(("mnvault.crypto", "mnvault.db")), (path, module)


def test_routes_and_views_take_one_call_and_no_envelope_parameter():
    """Before, 100 of the routes' work functions took an envelope they never used."""
    for path in _faces():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                annotations = [ast.unparse(a.annotation) for a in node.args.args if a.annotation]
                assert "Envelope" not in annotations, (path, node.lineno)


def test_an_error_says_what_a_page_shows_and_whether_it_sends_to_sign_in():
    denied = AuthorizationDenied(permission="number:read", reason="not assigned")
    assert errors.reason(denied) == "not assigned"
    hidden = OutOfReach(permission="person:read", reason="outside the assignments")
    assert errors.reason(hidden) is None  # a person beyond reach looks like no person
    assert errors.sends_to_sign_in(SessionExpired())
    assert errors.sends_to_sign_in(AccountLocked())
    assert not errors.sends_to_sign_in(denied)
    assert not errors.sends_to_sign_in(ValueError("x"))


def test_a_reason_shown_on_a_page_is_masked():
    number = "123456789018"
    denied = AuthorizationDenied(
        permission="number:read", reason=f"looked for {number}", actor_id=uuid.uuid4()
    )
    shown = errors.reason(denied)
    assert shown is not None and number not in shown


def test_uploads_register_their_limits_with_the_screens_that_take_them():
    import mnvault.app  # noqa: F401  (the screens register as they are imported)

    paths = {rule.path.pattern for rule in body_limits.rules()}
    assert {r"/imports/new", r"/persons/[^/]+/acquire", r"/disposal/contractor"} <= paths
