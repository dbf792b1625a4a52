"""`mnvault number check`: validate numbers without ever echoing one back."""

from typing import Annotated

import typer

from mnvault.numbers import InvalidNumber, mask, parse_corporate_number, parse_my_number

app = typer.Typer(
    help="個人番号・法人番号の検査 / Check individual and corporate numbers.",
    no_args_is_help=True,
    # A traceback with locals would print the numbers being checked.
    pretty_exceptions_show_locals=False,
)

NO_INPUT_MESSAGE = (
    "番号が指定されていません。引数か --stdin で渡してください。"
    " / No numbers given: pass them as arguments or with --stdin."
)


@app.command(
    # An argument like "-1234-5678-9018" would otherwise make Click print it back as an
    # unknown option; taken as an input it is reported by position like any other.
    context_settings={"ignore_unknown_options": True},
    short_help="番号を検査（入力は表示しない） / check numbers without echoing them",
)
def check(
    numbers: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NUMBERS",
            help="検査する番号 / numbers to check",
            show_default=False,
        ),
    ] = None,
    corporate: Annotated[
        bool,
        typer.Option("--corporate", help="法人番号（13桁）として検査 / check as corporate numbers"),
    ] = False,
    stdin: Annotated[
        bool,
        typer.Option(
            "--stdin",
            help="標準入力から1行に1つずつ読む（シェルの履歴に残らない）"
            " / read one number per line from standard input (keeps them out of shell history)",
        ),
    ] = False,
) -> None:
    """番号を検査します。入力は表示せず位置で示し、有効な番号は末尾4桁だけ表示します。

    引数に書いた番号はシェルの履歴とプロセス一覧に残ります。

    ファイルからのリダイレクトか手入力で --stdin を使えば残りません。

    Check numbers. Inputs are never echoed: results refer to them by position, and valid
    ones show only their last four digits. Numbers given as arguments stay in the shell
    history and the process list; use --stdin with a redirected file or typed input instead.

    終了コード / exit code: 0 すべて有効 all valid, 1 無効あり some invalid, 2 入力なし no input.
    """
    inputs = list(enumerate(numbers or [], start=1))
    if stdin:
        lines = typer.get_text_stream("stdin").read().splitlines()
        if lines:
            # Spreadsheet exports on Windows often start with a byte order mark.
            lines[0] = lines[0].removeprefix("\ufeff")
        # Blank lines are skipped but keep their number, so positions match line numbers.
        inputs += [
            (position, line)
            for position, line in enumerate(lines, start=len(inputs) + 1)
            if line.strip()
        ]
    if not inputs:
        typer.echo(NO_INPUT_MESSAGE, err=True)
        raise typer.Exit(code=2)

    parse = parse_corporate_number if corporate else parse_my_number
    all_valid = True
    for position, raw in inputs:
        try:
            number = parse(raw)
        except InvalidNumber as exc:
            all_valid = False
            typer.echo(f"{position}: 無効 invalid — {exc}")
        else:
            typer.echo(f"{position}: 有効 valid ({mask(number)})")
    if not all_valid:
        raise typer.Exit(code=1)
