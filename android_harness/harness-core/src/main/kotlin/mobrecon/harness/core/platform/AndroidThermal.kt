package mobrecon.harness.core.platform

/**
 * Android's thermal status (`PowerManager.THERMAL_STATUS_*`, API 29+) as the result's
 * `android-thermal-status` scale names it.
 */
object AndroidThermal {
    /** `PowerManager.getCurrentThermalStatus()` exists from Android 10. */
    const val FROM_API = 29

    /** Below [FROM_API]: the platform has no thermal status to read. */
    const val UNSUPPORTED = "unsupported"

    private val NAMES = listOf("none", "light", "moderate", "severe", "critical", "emergency", "shutdown")

    /** THERMAL_STATUS_NONE (0) .. THERMAL_STATUS_SHUTDOWN (6) -> `none` .. `shutdown`; other values `status-<n>`. */
    fun name(status: Int): String = NAMES.getOrNull(status) ?: "status-$status"
}
