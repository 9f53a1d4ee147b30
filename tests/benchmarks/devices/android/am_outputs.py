"""``am instrument -w -r`` outputs in the real format (AndroidJUnitRunner through the activity manager),
for the driver tests. Written from the protocol; no phone produced these bytes."""

RESULT = "/storage/emulated/0/Android/data/com.mobrecon.harness/files/mobrecon-results/result-android-SM-S918B-20261201T213000Z.json"

_START = """INSTRUMENTATION_STATUS: class=mobrecon.harness.app.HarnessInstrumentedTest
INSTRUMENTATION_STATUS: current=1
INSTRUMENTATION_STATUS: id=AndroidJUnitRunner
INSTRUMENTATION_STATUS: numtests=1
INSTRUMENTATION_STATUS: stream=
mobrecon.harness.app.HarnessInstrumentedTest:
INSTRUMENTATION_STATUS: test=runBundle
INSTRUMENTATION_STATUS_CODE: 1
"""

SUCCESS = _START + f"""INSTRUMENTATION_STATUS: additionalTestOutputFile_mobrecon_result={RESULT}
INSTRUMENTATION_STATUS: stream=
artifact                            unit  thr  median  p10  p90
mobrecon-densestack.nnapi.fp32.ort  nnapi 1    9.812   9.5  10.4
result: {RESULT}
INSTRUMENTATION_STATUS_CODE: 2
INSTRUMENTATION_STATUS: class=mobrecon.harness.app.HarnessInstrumentedTest
INSTRUMENTATION_STATUS: current=1
INSTRUMENTATION_STATUS: id=AndroidJUnitRunner
INSTRUMENTATION_STATUS: numtests=1
INSTRUMENTATION_STATUS: stream=.
INSTRUMENTATION_STATUS: test=runBundle
INSTRUMENTATION_STATUS_CODE: 0
INSTRUMENTATION_RESULT: stream=

Time: 41.213

OK (1 test)


INSTRUMENTATION_CODE: -1
"""

_MESSAGE = "mobrecon harness: no bundle.json in /data/local/tmp/mobrecon-bundle (push the folder `mobrecon device bundle` wrote)"

FAILURE = _START + f"""INSTRUMENTATION_STATUS: class=mobrecon.harness.app.HarnessInstrumentedTest
INSTRUMENTATION_STATUS: current=1
INSTRUMENTATION_STATUS: id=AndroidJUnitRunner
INSTRUMENTATION_STATUS: numtests=1
INSTRUMENTATION_STATUS: stack=java.lang.AssertionError: {_MESSAGE}
\tat org.junit.Assert.fail(Assert.java:89)
\tat mobrecon.harness.app.HarnessInstrumentedTest.runBundle(HarnessInstrumentedTest.kt:37)
\tat java.lang.reflect.Method.invoke(Native Method)
\tat androidx.test.runner.AndroidJUnitRunner.onStart(AndroidJUnitRunner.java:444)

INSTRUMENTATION_STATUS: stream=
Error in runBundle(mobrecon.harness.app.HarnessInstrumentedTest):
java.lang.AssertionError: {_MESSAGE}
\tat org.junit.Assert.fail(Assert.java:89)

INSTRUMENTATION_STATUS: test=runBundle
INSTRUMENTATION_STATUS_CODE: -2
INSTRUMENTATION_RESULT: stream=

Time: 0.512
There was 1 failure:
1) runBundle(mobrecon.harness.app.HarnessInstrumentedTest)
java.lang.AssertionError: {_MESSAGE}

FAILURES!!!
Tests run: 1,  Failures: 1


INSTRUMENTATION_CODE: -1
"""

FAILURE_MESSAGE = f"the test runBundle failed on the phone: java.lang.AssertionError: {_MESSAGE}"

CRASH = _START + """INSTRUMENTATION_RESULT: shortMsg=Process crashed.
INSTRUMENTATION_CODE: 0
"""

CRASH_WITH_LONG_MESSAGE = _START + """INSTRUMENTATION_RESULT: shortMsg=java.lang.UnsatisfiedLinkError
INSTRUMENTATION_RESULT: longMsg=java.lang.UnsatisfiedLinkError: dlopen failed: library "libonnxruntime.so" not found
\tat java.lang.Runtime.loadLibrary0(Runtime.java:1082)
INSTRUMENTATION_CODE: 0
"""

NOT_INSTALLED = """INSTRUMENTATION_STATUS: id=ActivityManagerService
INSTRUMENTATION_STATUS: Error=Unable to find instrumentation info for: ComponentInfo{com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner}
INSTRUMENTATION_STATUS_CODE: -1
android.util.AndroidException: INSTRUMENTATION_FAILED: com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner
\tat com.android.commands.am.Instrument.run(Instrument.java:519)
\tat com.android.commands.am.AmCmd.runInstrument(Am.java:196)
"""

KILLED_MID_RUN = _START

PASSED_WITHOUT_RESULT = SUCCESS.replace(f"INSTRUMENTATION_STATUS: additionalTestOutputFile_mobrecon_result={RESULT}\n", "")
