"""Parsing ``am instrument -r`` output: statuses, multi-line values, the phone's own failure messages."""

from mobrecon_bench.devices.am_instrument import parse_instrument_output
from tests.benchmarks.devices.android import am_outputs


def test_success_reports_the_result_file_and_no_failure():
    out = parse_instrument_output(am_outputs.SUCCESS)
    assert out.failure() is None
    assert out.code == -1
    assert [s.code for s in out.statuses] == [1, 2, 0]
    assert out.reported("additionalTestOutputFile_mobrecon_result") == am_outputs.RESULT
    assert "mobrecon-densestack.nnapi.fp32.ort  nnapi" in out.statuses[1].values["stream"], "multi-line values are kept whole"
    assert "OK (1 test)" in out.result["stream"]


def test_crlf_line_ends_parse_the_same():
    out = parse_instrument_output(am_outputs.SUCCESS.replace("\n", "\r\n"))
    assert out.failure() is None and out.reported("additionalTestOutputFile_mobrecon_result") == am_outputs.RESULT


def test_a_failed_test_gives_the_first_line_of_its_stack():
    out = parse_instrument_output(am_outputs.FAILURE)
    assert out.failure() == am_outputs.FAILURE_MESSAGE
    assert out.statuses[1].values["stack"].count("\n\tat ") == 4


def test_a_crashed_process_is_named_with_its_message():
    assert parse_instrument_output(am_outputs.CRASH).failure() == "the app process ended on the phone: Process crashed."
    assert parse_instrument_output(am_outputs.CRASH_WITH_LONG_MESSAGE).failure() == (
        "the app process ended on the phone: java.lang.UnsatisfiedLinkError "
        "(java.lang.UnsatisfiedLinkError: dlopen failed: library \"libonnxruntime.so\" not found)")


def test_an_instrumentation_that_cannot_start_says_why():
    msg = parse_instrument_output(am_outputs.NOT_INSTALLED).failure()
    assert msg == ("the instrumentation did not run (com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner): "
                   "Unable to find instrumentation info for: ComponentInfo{com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner}")


def test_output_cut_off_mid_run_is_a_failure():
    out = parse_instrument_output(am_outputs.KILLED_MID_RUN)
    assert out.code is None
    assert "without INSTRUMENTATION_CODE" in out.failure()
    assert parse_instrument_output("").failure().startswith("the instrumentation output ended")
