"""`number check` through a local root app, as the real CLI mounts it."""

import re

import pytest
import typer
from typer.testing import CliRunner

from mnvault.cli import number

root = typer.Typer()
root.add_typer(number.app, name="number")
runner = CliRunner()

VALID = "123456789018"  # 総務省令 第5条 worked example
VALID_CORPORATE = "7123456789012"  # 法人番号の指定等に関する省令 第2条 worked example


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(root, ["number", "check", *args], input=stdin)
    return result.exit_code, result.output


def assert_not_echoed(output: str, *inputs: str) -> None:
    digits_only = re.sub(r"[^0-9]", "", output)
    for raw in inputs:
        assert raw not in output
        assert re.sub(r"[^0-9]", "", raw)[:8] not in digits_only


def test_valid_number_is_masked() -> None:
    code, output = run(VALID)
    assert code == 0
    assert output == "1: 有効 valid (********9018)\n"
    assert_not_echoed(output, VALID)


def test_mixed_inputs_are_reported_by_position() -> None:
    invalid = "123456789019"
    code, output = run(VALID, invalid, "1234-5678-9018", "12345")
    assert code == 1
    assert output.splitlines() == [
        "1: 有効 valid (********9018)",
        "2: 無効 invalid — チェックデジットが一致しません / check digit does not match",
        "3: 有効 valid (********9018)",
        "4: 無効 invalid — 桁数が正しくありません（12桁必要、入力は5桁） / "
        "wrong length (12 digits required, got 5)",
    ]
    assert_not_echoed(output, VALID, invalid)


def test_non_digit_names_the_position_only() -> None:
    code, output = run("1234a6789018")
    assert code == 1
    assert output == (
        "1: 無効 invalid — 数字以外の文字が含まれています（5文字目） / "
        "non-digit character (position 5)\n"
    )


def test_leading_hyphen_is_an_input_not_an_option() -> None:
    code, output = run("-1234-5678-9018")
    assert code == 1
    assert output.startswith("1: 無効 invalid — 区切り文字")
    assert_not_echoed(output, "1234-5678-9018")


def test_corporate() -> None:
    code, output = run("--corporate", VALID_CORPORATE, "７１２３４５６７８９０１２")
    assert code == 0
    assert output.splitlines() == ["1: 有効 valid (*********9012)", "2: 有効 valid (*********9012)"]
    assert_not_echoed(output, VALID_CORPORATE)


def test_individual_number_fails_corporate_check() -> None:
    code, output = run("--corporate", VALID)
    assert code == 1
    assert "13桁必要" in output
    assert_not_echoed(output, VALID)


def test_stdin_one_per_line() -> None:
    stdin = f"\ufeff{VALID}\n\n１２３４　５６７８　９０１８\r\nabc\n"
    code, output = run("--stdin", stdin=stdin)
    assert code == 1
    assert output.splitlines() == [
        "1: 有効 valid (********9018)",
        "3: 有効 valid (********9018)",
        "4: 無効 invalid — 数字以外の文字が含まれています（1文字目） / "
        "non-digit character (position 1)",
    ]
    assert_not_echoed(output, VALID)


def test_stdin_positions_follow_arguments() -> None:
    code, output = run(VALID, "--stdin", stdin=f"{VALID}\n")
    assert code == 0
    assert [line.split(":")[0] for line in output.splitlines()] == ["1", "2"]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        ((), None),
        (("--stdin",), ""),
        (("--stdin",), "\n  \n"),
        (("--corporate",), None),
    ],
)
def test_no_input_exits_2(args: tuple[str, ...], stdin: str | None) -> None:
    code, output = run(*args, stdin=stdin)
    assert code == 2
    assert "番号が指定されていません" in output
    assert "No numbers given" in output


def test_help_mentions_shell_history() -> None:
    result = runner.invoke(root, ["number", "check", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "shell history" in result.output
    assert "--stdin" in result.output
    assert "--corporate" in result.output
