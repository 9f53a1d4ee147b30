package mobrecon.harness.app

import android.app.Activity
import android.graphics.Typeface
import android.os.Bundle
import android.widget.Button
import android.widget.HorizontalScrollView
import android.widget.LinearLayout
import android.widget.ScrollView
import android.widget.TextView
import mobrecon.harness.android.AndroidHarness
import mobrecon.harness.core.HarnessArguments
import mobrecon.harness.core.HarnessError

/**
 * One screen: runs the bundle and shows the table.
 *
 *     adb shell am start -n com.mobrecon.harness/mobrecon.harness.app.MainActivity \
 *         -e bundle /data/local/tmp/mobrecon-bundle -e eps cpu,xnnpack -e threads 1,4
 *
 * The launch extras are the instrumentation arguments ([HarnessArguments]). The run happens on a
 * background thread; the result file goes where the instrumentation test writes it.
 */
class MainActivity : Activity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val table = TextView(this).apply {
            typeface = Typeface.MONOSPACE
            textSize = 11f
            setTextIsSelectable(true)
        }
        val button = Button(this).apply { text = getString(R.string.run_bundle) }
        val scroll = ScrollView(this).apply { addView(HorizontalScrollView(this@MainActivity).apply { addView(table) }) }
        setContentView(LinearLayout(this).apply {
            orientation = LinearLayout.VERTICAL
            addView(button)
            addView(scroll)
        })
        val extras = intent.extras
        val raw = extras?.keySet()?.associateWith { extras.getString(it) ?: "" } ?: emptyMap()
        val args = try {
            HarnessArguments.parse(raw)
        } catch (e: HarnessError) {
            table.text = getString(R.string.error_line, e.message)
            button.isEnabled = false
            return
        }
        table.text = getString(R.string.ready, args.bundlePath, args.selection.computeUnits.joinToString(","), args.selection.threads.joinToString(","))
        button.setOnClickListener {
            button.isEnabled = false
            table.text = getString(R.string.running)
            Thread {
                val shown = try {
                    val outcome = AndroidHarness(applicationContext).run(args)
                    outcome.table() + "\n\n" + getString(R.string.result_line, outcome.resultFile.path)
                } catch (e: HarnessError) {
                    getString(R.string.error_line, e.message)
                }
                runOnUiThread {
                    table.text = shown
                    button.isEnabled = true
                }
            }.start()
        }
    }
}
