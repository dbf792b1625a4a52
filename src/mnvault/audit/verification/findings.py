"""What verification can find wrong, each with a Japanese and an English message.

A finding locates itself by the entries where the break lies (``first_seq`` ..
``last_seq``) and, where a checkpoint is involved, by that checkpoint's id. Messages
name entries by sequence number and never show a field's value: an entry's fields are
evidence, and the trail never holds an individual number in the first place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Problem(StrEnum):
    BAD_SIGNATURE = "bad_signature"
    CHANGED = "changed"
    CHECKPOINT_MISSING = "checkpoint_missing"
    CHECKPOINTS_OVERDUE = "checkpoints_overdue"
    INCONSISTENT = "inconsistent"
    HEAD_MISMATCH = "head_mismatch"
    INSERTED = "inserted"
    MISSING = "missing"
    REORDERED = "reordered"
    REWRITTEN = "rewritten"
    TRUNCATED = "truncated"
    WITNESS_DISAGREES = "witness_disagrees"
    WITNESS_MISSING = "witness_missing"


# Problems with entries come first in a report: "the first entry that breaks".
ENTRY_PROBLEMS = frozenset(
    {
        Problem.CHANGED,
        Problem.INSERTED,
        Problem.MISSING,
        Problem.REORDERED,
        Problem.REWRITTEN,
        Problem.TRUNCATED,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    problem: Problem
    message_ja: str
    message_en: str
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoint: int | None = None

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"

    def sort_key(self) -> tuple[int, int, int]:
        return (
            0 if self.problem in ENTRY_PROBLEMS else 1,
            self.first_seq if self.first_seq is not None else 1 << 62,
            self.checkpoint or 0,
        )


def changed(seq: int) -> Finding:
    return Finding(
        Problem.CHANGED,
        f"監査記録 {seq} 番が改変されています（ハッシュが内容と一致しません）",
        f"entry {seq} was changed (its hash does not match its fields)",
        seq,
        seq,
    )


def relinked(seq: int) -> Finding:
    before = max(seq - 1, 1)
    return Finding(
        Problem.CHANGED,
        f"監査記録 {seq} 番が {before} 番に続いていません"
        f"（どちらかがハッシュを再計算して書き換えられています）",
        f"entry {seq} does not follow entry {before} "
        f"(one of them was rewritten and its hash recomputed)",
        before,
        seq,
    )


def missing(first: int, last: int) -> Finding:
    span = f"{first}" if first == last else f"{first}〜{last}"
    span_en = f"{first}" if first == last else f"{first} to {last}"
    return Finding(
        Problem.MISSING,
        f"監査記録 {span} 番が欠落しています（削除されています）",
        f"entry {span_en} is missing (deleted)",
        first,
        last,
    )


def missing_renumbered(seq: int) -> Finding:
    return Finding(
        Problem.MISSING,
        f"監査記録 {seq} 番の位置の記録が削除され、後続の番号が詰められています",
        f"the entry at {seq} was deleted and the following entries renumbered",
        seq,
        seq,
    )


def inserted(first: int, last: int) -> Finding:
    span = f"{first}" if first == last else f"{first}〜{last}"
    span_en = f"{first}" if first == last else f"{first} to {last}"
    return Finding(
        Problem.INSERTED,
        f"監査記録 {span} 番は後から挿入されたものです",
        f"entry {span_en} was inserted",
        first,
        last,
    )


def reordered(seq: int, belongs_at: int) -> Finding:
    return Finding(
        Problem.REORDERED,
        f"監査記録 {seq} 番の位置に {belongs_at} 番の記録があります（順序が入れ替えられています）",
        f"entry {seq} holds the entry of {belongs_at} (entries were reordered)",
        min(seq, belongs_at),
        max(seq, belongs_at),
    )


def truncated(
    last_present: int,
    expected_last: int,
    source_ja: str,
    source_en: str,
    *,
    unsigned_from: int | None = None,
) -> Finding:
    """The tail after ``last_present`` is gone; when a signed root reached past the end,
    entries from ``unsigned_from`` on are no longer covered by any signature either."""
    first = last_present + 1
    note_ja = note_en = ""
    if unsigned_from is not None and unsigned_from <= last_present:
        first = unsigned_from
        note_ja = f"。{unsigned_from}〜{last_present} 番を保証する署名も失われています"
        note_en = f"; no signature vouches for entries {unsigned_from} to {last_present} either"
    return Finding(
        Problem.TRUNCATED,
        f"監査記録が {last_present} 番で終わっていますが、{source_ja}は {expected_last} 番まで"
        f"あったことを示しています（末尾が削除されています）{note_ja}",
        f"the trail ends at entry {last_present} but {source_en} shows it reached "
        f"{expected_last} (the tail was removed){note_en}",
        first,
        expected_last,
    )


def rewritten(first: int, last: int, checkpoint: int, source_ja: str, source_en: str) -> Finding:
    return Finding(
        Problem.REWRITTEN,
        f"監査記録 {first}〜{last} 番が{source_ja}の署名済みチェックポイント {checkpoint} と"
        f"一致しません（署名鍵なしに作り直されています）",
        f"entries {first} to {last} do not match signed checkpoint {checkpoint} in "
        f"{source_en} (the trail was re-made without the signing key)",
        first,
        last,
        checkpoint,
    )


def bad_signature(
    checkpoint: int, first: int, last: int, source_ja: str, source_en: str
) -> Finding:
    return Finding(
        Problem.BAD_SIGNATURE,
        f"{source_ja}のチェックポイント {checkpoint}（監査記録 {first}〜{last} 番）の署名が"
        f"正しくないか、信頼する鍵のものではありません",
        f"checkpoint {checkpoint} in {source_en} (entries {first} to {last}) has a bad "
        f"signature or one by an untrusted key",
        first,
        last,
        checkpoint,
    )


def checkpoint_missing(checkpoint: int) -> Finding:
    return Finding(
        Problem.CHECKPOINT_MISSING,
        f"データベースにチェックポイント {checkpoint} がありません（削除されています）",
        f"checkpoint {checkpoint} is missing from the database (deleted)",
        checkpoint=checkpoint,
    )


def witness_disagrees(checkpoint: int, *, absent: bool) -> Finding:
    if absent:
        return Finding(
            Problem.WITNESS_DISAGREES,
            f"証人ファイルにあるチェックポイント {checkpoint} がデータベースにありません"
            f"（データベースが巻き戻されたか切り詰められています）",
            f"checkpoint {checkpoint} is in the witness but not in the database "
            f"(the database was restored to an earlier state or truncated)",
            checkpoint=checkpoint,
        )
    return Finding(
        Problem.WITNESS_DISAGREES,
        f"チェックポイント {checkpoint} が証人ファイルとデータベースで異なります"
        f"（書き換えられています）",
        f"checkpoint {checkpoint} differs between the witness and the database (rewritten)",
        checkpoint=checkpoint,
    )


def witness_damaged(line: int) -> Finding:
    return Finding(
        Problem.WITNESS_DISAGREES,
        f"証人ファイルの {line} 行目が読めません",
        f"line {line} of the witness file cannot be read",
    )


def witness_missing() -> Finding:
    return Finding(
        Problem.WITNESS_MISSING,
        "チェックポイントがあるのに証人ファイルがありません",
        "there are checkpoints but no witness file",
    )


def head_mismatch(detail_ja: str, detail_en: str) -> Finding:
    return Finding(
        Problem.HEAD_MISMATCH,
        f"監査記録の連鎖の先頭が記録と一致しません（{detail_ja}）",
        f"the chain head does not match the trail ({detail_en})",
    )


def unrecorded_prune(last: int, detail_ja: str, detail_en: str) -> Finding:
    """Entries 1..last are gone and no valid, signed prune accounts for them."""
    return Finding(
        Problem.MISSING,
        f"監査記録 1〜{last} 番が削除されていますが、正当な削除（保存期間後の整理）の"
        f"記録がありません（{detail_ja}）",
        f"entries 1 to {last} were deleted without a valid recorded prune ({detail_en})",
        1,
        last,
    )


def outside_disagrees(checkpoint: int, source_ja: str, source_en: str, *, absent: bool) -> Finding:
    """A signed checkpoint kept outside the database (the last signed head) that the
    database lost or holds otherwise."""
    if absent:
        return Finding(
            Problem.WITNESS_DISAGREES,
            f"{source_ja}のチェックポイント {checkpoint} がデータベースにありません"
            f"（データベースが巻き戻されたか切り詰められています）",
            f"checkpoint {checkpoint} in {source_en} is not in the database "
            f"(the database was restored to an earlier state or truncated)",
            checkpoint=checkpoint,
        )
    return Finding(
        Problem.WITNESS_DISAGREES,
        f"チェックポイント {checkpoint} が{source_ja}とデータベースで異なります"
        f"（書き換えられています）",
        f"checkpoint {checkpoint} differs between {source_en} and the database (rewritten)",
        checkpoint=checkpoint,
    )


def inconsistent(checkpoint: int, earlier: int) -> Finding:
    """RFC 6962: the tree a checkpoint signs does not extend the one signed before it."""
    return Finding(
        Problem.INCONSISTENT,
        f"チェックポイント {checkpoint} の木はチェックポイント {earlier} の木の続きではありません"
        f"（整合性証明が合いません）",
        f"checkpoint {checkpoint} does not extend checkpoint {earlier} "
        f"(its consistency proof fails)",
        checkpoint=checkpoint,
    )
