package mobrecon.harness.app

import android.app.Instrumentation
import android.os.Bundle
import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import mobrecon.harness.android.AndroidHarness
import mobrecon.harness.core.HarnessArguments
import mobrecon.harness.core.HarnessError
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith

/**
 * The harness as an instrumentation test, for `adb shell am instrument` and device farms:
 *
 *     adb shell am instrument -w -r -e bundle /data/local/tmp/mobrecon-bundle -e eps nnapi,xnnpack,cpu \
 *         -e threads 1,4 -e class mobrecon.harness.app.HarnessInstrumentedTest \
 *         com.mobrecon.harness.test/androidx.test.runner.AndroidJUnitRunner
 *
 * Arguments are [HarnessArguments]. The result goes to the app's external files folder,
 * `mobrecon-results/`; its path is reported as the status key
 * `additionalTestOutputFile_mobrecon_result` (status code 2, as androidx.benchmark reports its
 * output files) and the table as the status's `stream`. A bad bundle or option fails the test with
 * the harness's one-sentence message.
 */
@RunWith(AndroidJUnit4::class)
class HarnessInstrumentedTest {
    @Test
    fun runBundle() {
        val instrumentation = InstrumentationRegistry.getInstrumentation()
        val raw = InstrumentationRegistry.getArguments()
        val outcome = try {
            AndroidHarness(instrumentation.targetContext).run(HarnessArguments.parse(raw.keySet().associateWith { raw.getString(it) ?: "" }))
        } catch (e: HarnessError) {
            fail("mobrecon harness: ${e.message}")
            return
        }
        instrumentation.sendStatus(REPORT_CODE, Bundle().apply {
            putString(RESULT_KEY, outcome.resultFile.absolutePath)
            putString(Instrumentation.REPORT_KEY_STREAMRESULT, "\n" + outcome.table() + "\nresult: " + outcome.resultFile.absolutePath + "\n")
        })
        assertTrue("result file ${outcome.resultFile} was not written", outcome.resultFile.isFile)
    }

    companion object {
        /** Status code of the result report: 2, not one of AndroidJUnitRunner's (1 start, 0 ok, negative failures). */
        const val REPORT_CODE = 2

        /** androidx.benchmark's key prefix for files a test leaves for the host to pull. */
        const val RESULT_KEY = "additionalTestOutputFile_mobrecon_result"
    }
}
