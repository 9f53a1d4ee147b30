package mobrecon.harness.android

import android.os.Build
import mobrecon.harness.core.result.DeviceFacts

/** What `android.os.Build` tells about this phone, as the result's `device` block names it. */
object AndroidDevice {
    /** `Build.SOC_MANUFACTURER` / `Build.SOC_MODEL` exist from Android 12. */
    private const val SOC_FROM_API = 31

    fun facts(): DeviceFacts {
        val api = Build.VERSION.SDK_INT
        fun known(v: String?) = v?.takeIf { it.isNotBlank() && it != Build.UNKNOWN }
        val socManufacturer = if (api >= SOC_FROM_API) known(Build.SOC_MANUFACTURER) else null
        val socModel = if (api >= SOC_FROM_API) known(Build.SOC_MODEL) else null
        return DeviceFacts(
            modelName = Build.MODEL,
            os = "Android ${Build.VERSION.RELEASE}",
            cpuModel = socModel ?: Build.HARDWARE,
            logicalCores = Runtime.getRuntime().availableProcessors(),
            manufacturer = known(Build.MANUFACTURER),
            socManufacturer = socManufacturer,
            socModel = socModel,
            hardware = "${Build.HARDWARE} / ${Build.BOARD}",
            osName = "Android",
            osVersion = Build.VERSION.RELEASE,
            apiLevel = api,
            abi = Build.SUPPORTED_ABIS.firstOrNull(),
        )
    }
}
