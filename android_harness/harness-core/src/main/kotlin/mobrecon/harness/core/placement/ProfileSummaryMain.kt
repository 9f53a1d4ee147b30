package mobrecon.harness.core.placement

import java.io.File

/**
 * Print the node placement the harness would record for an ORT profile file, as one JSON line:
 *
 *     java -cp ... mobrecon.harness.core.placement.ProfileSummaryMain PROFILE.json
 *
 * For checking [OrtProfilePlacement] against a profile written by another ORT build (tests run it
 * on a profile from the host's onnxruntime).
 */
object ProfileSummaryMain {
    @JvmStatic
    fun main(args: Array<String>) {
        require(args.size == 1) { "usage: ProfileSummaryMain PROFILE.json" }
        val p = OrtProfilePlacement.parse(File(args[0]).readText(Charsets.UTF_8))
        println(mobrecon.harness.core.json.Json.writeCompact(mobrecon.harness.core.json.JsonObject().also { o -> p.nodesByProvider.forEach { (k, v) -> o[k] = v } }))
    }
}
