package mobrecon.harness.android

import android.content.Context
import android.os.Build
import android.os.Debug
import android.os.PowerManager
import mobrecon.harness.core.bench.PlatformProbe
import mobrecon.harness.core.platform.AndroidThermal

/**
 * The phone's clock, memory and thermal state.
 *
 * - clock: `System.nanoTime` (CLOCK_MONOTONIC);
 * - memory: `Debug.getPss()` (KiB, this process's proportional set size) in MiB;
 * - thermal: `PowerManager.getCurrentThermalStatus()` from API 29, `unsupported` below.
 */
class AndroidProbe(context: Context) : PlatformProbe {
    private val power: PowerManager? = context.getSystemService(PowerManager::class.java)

    override fun nanoTime(): Long = System.nanoTime()
    override val timerName = "System.nanoTime"
    override fun memoryMib(): Double = Debug.getPss() / 1024.0
    override val memoryMetric = "pss"
    override val thermalScale = "android-thermal-status"

    override fun thermalState(): String? = when {
        Build.VERSION.SDK_INT < AndroidThermal.FROM_API -> AndroidThermal.UNSUPPORTED
        power == null -> null
        else -> AndroidThermal.name(power.currentThermalStatus)
    }
}
