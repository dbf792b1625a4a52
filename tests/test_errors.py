"""The one error model (issue #12): every package's errors subclass one bilingual base,
register their own statuses, and one renderer turns any of them into a problem document,
a form message or a CLI line, always with numbers masked."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import random
from pathlib import Path

import pytest

import mnvault
from mnvault import errors
from mnvault.access.errors import (
    AccessError,
    AuthorizationDenied,
    LoginTaken,
    OutOfReach,
    WeakPassword,
)
from mnvault.access.passwords import PasswordProblem
from mnvault.attachments import errors as attachment_errors
from mnvault.audit.errors import AuditError, AuditUnavailable, PruneRefused
from mnvault.auth import errors as auth_errors
from mnvault.config import SettingsError
from mnvault.crypto.errors import CryptoError, DecryptionFailed, KeyringLocked
from mnvault.deployment.errors import (
    KNOWN_ERRORS,
    DeploymentError,
    ForeignKeyring,
    NotInitialised,
    WrongPassphrase,
)
from mnvault.disposal.errors import NotDue, PlannerCannotConfirm
from mnvault.errors import MnvaultError
from mnvault.inspections import errors as inspection_errors
from mnvault.jobs.registry import ResultWithheld, TooManyJobs
from mnvault.keys.errors import StaleWrapping
from mnvault.numbers import generate_my_number
from mnvault.orgs import small_business
from mnvault.partners import errors as partner_errors
from mnvault.places import errors as places_errors
from mnvault.policies import errors as policy_errors
from mnvault.training import errors as training_errors
from mnvault.vault import errors as vault_errors
from mnvault.web.pages import BadRequest, PageNotFound
from mnvault.web.problems import Conflict, RateLimited, Sealed
from mnvault.web.security import CsrfRejected

# Every status and problem type the API answered before the one model, kept as they were
# (clients read them), plus the page-only errors that now have their status registered.
STATUSES: list[tuple[type[Exception], int, str]] = [
    (AuthorizationDenied, 403, "forbidden"),
    (OutOfReach, 404, "not-found"),
    (PlannerCannotConfirm, 403, "forbidden"),
    (WeakPassword, 422, "weak-password"),
    (auth_errors.EnrolmentRequired, 403, "enrolment-required"),
    (auth_errors.PasswordChangeRequired, 403, "password-change-required"),
    (auth_errors.TotpAlreadyEnrolled, 409, "already-enrolled"),
    (auth_errors.SecondFactorRequired, 401, "second-factor-required"),
    (auth_errors.AccountLocked, 423, "locked"),
    (auth_errors.SignInFailed, 401, "sign-in-failed"),
    (auth_errors.OrganisationRequired, 401, "organisation-required"),
    (auth_errors.SessionExpired, 401, "unauthenticated"),
    (auth_errors.TokenInvalid, 401, "unauthenticated"),
    (AccessError, 401, "unauthenticated"),
    (vault_errors.NotFound, 404, "not-found"),
    (vault_errors.NotHeld, 404, "not-held"),
    (vault_errors.UnknownAffair, 422, "unknown-affair"),
    (vault_errors.DuplicateNumber, 409, "duplicate-number"),
    (vault_errors.AlreadyHeld, 409, "already-held"),
    (LoginTaken, 409, "login-taken"),
    (vault_errors.LastAffair, 409, "last-affair"),
    (vault_errors.AffairRetained, 409, "affair-retained"),
    (vault_errors.VaultError, 422, "invalid"),
    (vault_errors.InvalidInput, 422, "invalid"),
    # Issue #13: a provision's basis (番号法第19条 items, vault/provision.py).
    (vault_errors.NotAnArticle19Item, 422, "not-an-article-19-item"),
    (vault_errors.ItemNotForOrganisation, 422, "item-not-for-organisation"),
    (vault_errors.ItemNotForAffair, 422, "item-not-for-affair"),
    (vault_errors.ConditionMissing, 422, "provision-condition-missing"),
    (vault_errors.SameNumber, 422, "same-number"),
    (vault_errors.AwaitingLinkCheck, 409, "awaiting-link-check"),
    (vault_errors.SelfLinkCheck, 403, "self-link-check"),
    (vault_errors.NoLinkCheckPending, 409, "no-link-check-pending"),
    (NotDue, 422, "invalid"),
    (attachment_errors.AttachmentError, 422, "invalid-attachment"),
    (attachment_errors.FileTooLarge, 413, "too-large"),
    (attachment_errors.AttachmentNotFound, 404, "not-found"),
    (attachment_errors.AttachmentDamaged, 409, "does-not-decrypt"),
    (places_errors.EntryLogRejected, 422, "entry-log-rejected"),
    (places_errors.TakeoutRefused, 409, "takeout-refused"),
    (places_errors.DeviceDisposed, 409, "device-disposed"),
    (inspection_errors.InspectionClosed, 409, "inspection-closed"),
    (inspection_errors.NotFinished, 409, "inspection-not-finished"),
    (training_errors.PledgeRequired, 409, "pledge-required"),
    # Issue #16: outsourcing (mnvault.partners).
    (partner_errors.NotCovered, 409, "outsourcing-not-covered"),
    (partner_errors.ContractIncomplete, 409, "contract-incomplete"),
    (partner_errors.SelectionIncomplete, 409, "selection-incomplete"),
    (partner_errors.WrongState, 409, "outsourcee-state"),
    (StaleWrapping, 422, "invalid"),
    (CryptoError, 409, "does-not-decrypt"),
    (KeyringLocked, 503, "sealed"),
    (WrongPassphrase, 403, "wrong-passphrase"),
    (ForeignKeyring, 409, "foreign-keyring"),
    (DecryptionFailed, 409, "does-not-decrypt"),
    (Conflict, 409, "conflict"),
    (Sealed, 503, "sealed"),
    (AuditUnavailable, 503, "audit-unavailable"),
    (RateLimited, 429, "rate-limited"),
    (TooManyJobs, 429, "too-many-jobs"),
    (ResultWithheld, 403, "forbidden"),
    (CsrfRejected, 403, "csrf-rejected"),
    (BadRequest, 422, "invalid"),
    (PageNotFound, 404, "not-found"),
    (vault_errors.AffairExists, 409, "affair-exists"),
    (small_business.NotSmallBusiness, 422, "not_small_business"),
    (small_business.DeclarationMissing, 422, "small_business_declaration_missing"),
    (vault_errors.AffairAlreadyHeld, 409, "affair-already-held"),
    # Issue #15: the 基本方針 and 取扱規程 (mnvault.policies).
    (policy_errors.PolicyError, 422, "invalid-policy"),
    (policy_errors.VersionNotFound, 404, "not-found"),
    (policy_errors.NothingPublished, 404, "not-found"),
    (policy_errors.WrongState, 409, "conflict"),
    (policy_errors.ApprovalRefused, 403, "forbidden"),
]


def _instance(error: type[Exception]) -> Exception:
    if issubclass(error, AuthorizationDenied):
        return error(permission="number:read", reason="not_assigned")
    if error is WeakPassword:
        return WeakPassword([PasswordProblem("too_short", "短すぎます", "too short")])
    if error is RateLimited:
        return RateLimited(retry_after=7)
    return error()


@pytest.mark.parametrize(("error", "status", "kind"), STATUSES, ids=str)
def test_every_error_answers_its_registered_status_in_both_languages(
    error: type[Exception], status: int, kind: str
):
    """#12 One error model: one table of error -> status, the same the API answered."""
    exc = _instance(error)
    assert errors.status_of(exc) == (status, kind)
    rendered = errors.problem(exc)
    assert rendered.status == status
    assert rendered.body["type"] == f"https://mnvault.example/problems/{kind}"
    assert rendered.body["title"] == error.message_en  # type: ignore[attr-defined]
    assert rendered.body["title_ja"] == error.message_ja  # type: ignore[attr-defined]
    assert rendered.body["status"] == status
    assert errors.message(exc, "ja").startswith(error.message_ja)  # type: ignore[attr-defined]
    assert errors.message(exc, "en").startswith(error.message_en)  # type: ignore[attr-defined]
    line = errors.line(exc)
    assert error.message_ja in line and error.message_en in line  # type: ignore[attr-defined]


def test_the_table_covers_every_registered_error():
    """Nothing is registered that the table above does not pin (a new registration is a
    new public status: add it there)."""
    # Every module imported first: what another test happened to import must not decide.
    for info in pkgutil.walk_packages(mnvault.__path__, "mnvault."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
    # SettingsError says one line per bad variable, tested in test_settings.py.
    pinned = {error for error, _, _ in STATUSES} | {SettingsError}
    registered = set(errors.registered())
    assert registered - pinned <= {errors.Refusal, _context_errors()}


def _context_errors() -> type[Exception]:
    from mnvault.context import RefusalUnaudited

    return RefusalUnaudited


def test_a_subclass_declaring_only_its_messages_takes_its_nearest_registered_base():
    """What other packages add in the existing style renders without registering."""

    class Withdrawn(vault_errors.NotFound):
        message_ja = "取り下げられています"
        message_en = "withdrawn"

    class Odd(vault_errors.VaultError):
        message_ja = "変です"
        message_en = "odd"

    assert errors.problem(Withdrawn()).status == 404
    assert errors.problem(Withdrawn()).body["title_ja"] == "取り下げられています"
    assert errors.problem(Odd("詳細", "detail")).body["detail"] == "変です（詳細） / odd (detail)"
    assert errors.message(Odd("詳細", "detail"), "en") == "odd (detail)"


def test_a_denial_carries_its_reason_and_a_rate_limit_its_wait():
    denied = errors.problem(_instance(AuthorizationDenied))
    assert denied.body["reason"] == "not_assigned"
    assert errors.problem(RateLimited(retry_after=7)).headers == {"Retry-After": "7"}
    weak = _instance(WeakPassword)
    assert errors.message(weak, "ja") == "パスワードが要件を満たしていません（短すぎます）"


def test_an_error_nobody_registered_is_a_fault_that_says_nothing():
    """An unregistered error (a bug) answers 500 and shows none of its own text."""
    secret = generate_my_number(random.Random(3))
    problem = errors.problem(ValueError(f"boom {secret}"))
    assert problem.status == 500 and secret not in str(problem.body)
    assert errors.message(AuditError(), "en") == "internal error"  # AuditError: no status
    assert errors.problem(DeploymentError()).status == 500


def test_every_rendering_masks_numbers():
    """#12 and #11: a number in an error's detail shows as ********1234, in every form."""
    number = generate_my_number(random.Random(4))
    masked = "*" * 8 + number[-4:]
    exc = vault_errors.NotFound(f"外部参照ID {number}", f"external id {number}")
    outputs = [
        str(errors.problem(exc).body),
        errors.message(exc, "ja"),
        errors.message(exc, "en"),
        errors.line(exc),
        errors.line(f"bare words {number}"),
        errors.line(PruneRefused(number, number)),
    ]
    for output in outputs:
        assert number not in output and masked in output


def test_known_errors_are_every_package_error_and_the_crypto_layers():
    assert (MnvaultError, CryptoError) == KNOWN_ERRORS
    assert issubclass(NotInitialised, MnvaultError)


PACKAGES = Path(mnvault.__file__).parent


def test_every_package_error_subclasses_the_one_base():
    """Every class in a package's errors.py derives from MnvaultError (crypto excepted:
    it stays a leaf with its own errors)."""
    import importlib

    for path in sorted(PACKAGES.glob("*/errors.py")):
        package = path.parent.name
        if package == "crypto":
            continue
        module = importlib.import_module(f"mnvault.{package}.errors")
        tree = ast.parse(path.read_text("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                klass = getattr(module, node.name)
                if issubclass(klass, BaseException):
                    assert issubclass(klass, MnvaultError), f"{package}.{node.name}"


def test_an_id_the_vault_made_is_never_masked_as_a_number():
    """A UUID whose digits happen to validate (about one in a thousand) is an id, not a
    number: an error naming the record keeps it whole; a number beside it is masked."""
    rng = random.Random(20261207)
    number = generate_my_number(rng)
    # A hyphenated id whose middle groups spell a valid number across the hyphens.
    spelled = f"bfa367aa-19b3-4f{number[:2]}-{number[2:6]}-{number[6:]}ae2d11"
    named = errors.line(vault_errors.NotFound(f"人 {spelled}", f"person {spelled}"))
    kept_whole = named.count(spelled) == 2  # Japanese and English
    assert kept_whole, "the id was masked"  # (no values printed: the id spells a number)
    masked = errors.line(vault_errors.NotFound(f"番号 {number}", f"number {number}"))
    hidden = number not in masked and "********" + number[-4:] in masked
    assert hidden, "the number was not masked"
