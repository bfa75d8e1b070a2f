"""What a person sees when something outside the data fails: one line, a hint, exit 2; other
libraries' INFO lines only with -v."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from jobs.aws.failures import CONNECTION, CREDENTIALS, PERMISSION, classify
from jobs.cli import logs
from jobs.cli.summary import report_failure
from jobs.core.errors import ConfigError


def _client_error(code: str, status: int, message: str = "no") -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "DescribeTable")


@pytest.mark.parametrize(
    ("error", "kind", "message"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), CONNECTION, "cannot reach http://127.0.0.1:9"),
        (NoCredentialsError(), CREDENTIALS, "Unable to locate credentials"),
        (
            _client_error("UnrecognizedClientException", 400, "The security token is invalid"),
            CREDENTIALS,
            "DescribeTable refused the credentials: UnrecognizedClientException The security token is invalid",
        ),
        (
            _client_error("AccessDeniedException", 400, "not authorized"),
            PERMISSION,
            "DescribeTable was denied: AccessDeniedException not authorized",
        ),
        (_client_error("SomethingElse", 403, ""), PERMISSION, "DescribeTable was denied: SomethingElse"),
    ],
)
def test_the_three_kinds_are_named(error: BaseException, kind: str, message: str) -> None:
    failure = classify(error)
    assert failure is not None
    assert (failure.kind, failure.message) == (kind, message)


def test_other_errors_are_none_of_them_and_a_cause_is_followed() -> None:
    assert classify(_client_error("ValidationException", 400)) is None
    assert classify(ValueError("x")) is None
    try:
        try:
            raise EndpointConnectionError(endpoint_url="http://h:1")
        except EndpointConnectionError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        failure = classify(outer)
    assert failure is not None and failure.kind == CONNECTION


def test_report_failure_is_one_line_and_exit_2_without_v(capsys: pytest.CaptureFixture[str]) -> None:
    code = report_failure(EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), verbosity=0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        "error: cannot reach http://127.0.0.1:9 -> check the endpoint and the network; locally, "
        "`ddb-migrate local status` shows whether the stack runs and `ddb-migrate local up` starts it"
    ]


def test_report_failure_with_v_adds_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise _client_error("AccessDenied", 403, "denied")
    except ClientError as error:
        code = report_failure(error, verbosity=1)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("Traceback (most recent call last):")
    assert err.splitlines()[-1].startswith("error: DescribeTable was denied: AccessDenied denied -> grant")


def test_our_errors_exit_2_and_unknown_ones_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_failure(ConfigError("job.yaml: target.table: required")) == 2
    assert report_failure(KeyError("boom")) == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: job.yaml: target.table: required",
        "error: KeyError: 'boom'",
        "(rerun with -v for the traceback)",
    ]


def _logged_lines(verbosity: int) -> list[str]:
    handler = logs.configure_logging(verbosity)
    out = io.StringIO()
    handler.setStream(out)  # type: ignore[attr-defined]
    gx = logging.getLogger("great_expectations._docs_decorators")
    gx.setLevel(logging.INFO)  # as a library may do on its own
    try:
        logging.getLogger("jobs.run.migrate").info("ours")
        gx.info("gx info")
        gx.warning("gx warning")
        logging.getLogger("py4j.clientserver").info("py4j info")
    finally:
        logging.getLogger().removeHandler(handler)
        gx.setLevel(logging.NOTSET)
    return out.getvalue().splitlines()


def test_by_default_only_our_lines_and_others_warnings() -> None:
    lines = _logged_lines(0)
    assert [line.split("] ", 1)[1] for line in lines] == [
        "ours",
        "WARNING great_expectations._docs_decorators: gx warning",
    ]
    assert all(line.startswith("[") and line[7:9] == "s]" for line in lines)


def test_with_v_other_libraries_info_lines_too() -> None:
    assert [line.split(" ", 2)[2] for line in _logged_lines(1)] == [
        "INFO jobs.run.migrate: ours",
        "INFO great_expectations._docs_decorators: gx info",
        "WARNING great_expectations._docs_decorators: gx warning",
        "INFO py4j.clientserver: py4j info",
    ]
