"""Parse the output of ``adb shell am instrument -w -r``: the raw, machine-readable status protocol.

Usage::

    from mobrecon_bench.devices.am_instrument import parse_instrument_output

    out = parse_instrument_output(stdout)
    out.reported("additionalTestOutputFile_mobrecon_result")    # a value a test sent with sendStatus
    out.failure()                                               # None, or the phone's own message

With ``-r`` the activity manager prints each status bundle of the instrumentation as
``INSTRUMENTATION_STATUS: key=value`` lines closed by ``INSTRUMENTATION_STATUS_CODE: n``, then the
final bundle as ``INSTRUMENTATION_RESULT: key=value`` lines and ``INSTRUMENTATION_CODE: n``
(``-1`` is Activity.RESULT_OK). A value may span lines (a ``stack`` trace, a ``stream`` of text): every
line that does not start a new key belongs to the previous value. AndroidJUnitRunner's status codes:
1 test started, 0 passed, -1 error, -2 failure, -3 ignored, -4 assumption failure; other codes are
the test's own reports (the harness reports its result file with code 2). A crash of the app
process ends the output with ``INSTRUMENTATION_RESULT: shortMsg=Process crashed.``; an
instrumentation that cannot start prints ``INSTRUMENTATION_FAILED: <component>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["InstrumentationStatus", "InstrumentationOutput", "parse_instrument_output", "TEST_FAILURE_CODES"]

#: AndroidJUnitRunner status codes of a test that did not pass: error, failure.
TEST_FAILURE_CODES = (-1, -2)

_KEY_LINE = re.compile(r"^INSTRUMENTATION_(STATUS|RESULT): ([^=]+)=(.*)$")
_CODE_LINE = re.compile(r"^INSTRUMENTATION_(STATUS_CODE|CODE): (-?\d+)\s*$")
# also inside "android.util.AndroidException: INSTRUMENTATION_FAILED: <component>"
_FAILED_LINE = re.compile(r"INSTRUMENTATION_(FAILED|ABORTED): ?(.*)$")


@dataclass
class InstrumentationStatus:
    """One status bundle: its code (None if the output ended inside it) and values (``class``, ``test``, ``stack``...)."""

    code: int | None
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class InstrumentationOutput:
    """Everything ``am instrument -r`` printed, parsed.

    Attributes:
        statuses: status bundles in order.
        result: the final bundle (``stream``, ``shortMsg``, ``longMsg``...).
        code: INSTRUMENTATION_CODE, None if the output ended before it (the process died).
        failed: the text of an INSTRUMENTATION_FAILED / INSTRUMENTATION_ABORTED line, if any.
        other: lines outside the protocol (``onError: ...`` from the activity manager).
    """

    statuses: list[InstrumentationStatus] = field(default_factory=list)
    result: dict[str, str] = field(default_factory=dict)
    code: int | None = None
    failed: str | None = None
    other: list[str] = field(default_factory=list)

    def reported(self, key: str) -> str | None:
        """The last value of ``key`` in any status bundle (a value the test sent with sendStatus)."""
        values = [s.values[key] for s in self.statuses if key in s.values]
        return values[-1].strip() if values else None

    def failure(self) -> str | None:
        """None when the instrumentation ran and every test passed; else one sentence from the phone's own output."""
        if self.failed is not None:
            error = next((s.values["Error"] for s in self.statuses if "Error" in s.values), None)
            detail = f": {error.strip()}" if error else ""
            return f"the instrumentation did not run ({self.failed.strip()}){detail}"
        if self.result.get("shortMsg"):
            long = self.result.get("longMsg", "").strip()
            return f"the app process ended on the phone: {self.result['shortMsg'].strip()}" + (f" ({_first_line(long)})" if long else "")
        for status in self.statuses:
            if status.code in TEST_FAILURE_CODES:
                stack = status.values.get("stack", "").strip()
                test = status.values.get("test", "?")
                return f"the test {test} failed on the phone: {_first_line(stack) or 'no message'}"
        if self.code is None:
            return "the instrumentation output ended without INSTRUMENTATION_CODE (the app process was killed?)"
        if self.code != -1:
            return f"the instrumentation finished with code {self.code}" + (
                f": {_first_line(self.result.get('stream', ''))}" if self.result.get("stream", "").strip() else "")
        if not any(s.code == 0 for s in self.statuses):
            return "the instrumentation ran no test (is the test APK the harness's?)"
        return None


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


def parse_instrument_output(text: str) -> InstrumentationOutput:
    """Parse ``am instrument -r`` output (``\\r\\n`` or ``\\n`` line ends)."""
    out = InstrumentationOutput()
    current: dict[str, str] = {}
    target: dict[str, str] | None = None  # the bundle whose last key a continuation line extends
    last_key: str | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if m := _KEY_LINE.match(raw):
            kind, key, value = m.groups()
            target = current if kind == "STATUS" else out.result
            target[key] = value
            last_key = key
        elif m := _CODE_LINE.match(raw):
            kind, code = m.group(1), int(m.group(2))
            if kind == "STATUS_CODE":
                out.statuses.append(InstrumentationStatus(code, current))
                current = {}
            else:
                out.code = code
            target, last_key = None, None
        elif m := _FAILED_LINE.search(raw):
            out.failed = m.group(2) or m.group(1)
            target, last_key = None, None
        elif target is not None and last_key is not None:
            target[last_key] += "\n" + raw
        elif raw.strip():
            out.other.append(raw)
    if current:
        out.statuses.append(InstrumentationStatus(None, current))
    return out
