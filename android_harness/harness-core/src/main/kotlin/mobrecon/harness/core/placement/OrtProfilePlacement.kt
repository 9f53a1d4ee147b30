package mobrecon.harness.core.placement

import mobrecon.harness.core.bench.Placement
import mobrecon.harness.core.json.Json
import mobrecon.harness.core.json.JsonError
import mobrecon.harness.core.json.JsonObject

/**
 * Node placement from ONNX Runtime's session profile (the JSON trace `OrtSession.endProfiling()`
 * writes): the distinct kernels of each execution provider.
 *
 * Each executed kernel appears as a `"cat": "Node"` event named `<node>_kernel_time` whose
 * `args.provider` is the EP that ran it. A partition an EP compiled as one fused node (NNAPI runs
 * its whole partition as one node) counts once: this is what ran, not how many ONNX nodes the
 * partition holds (ORT prints that at verbose log level, see the harness README).
 */
object OrtProfilePlacement {
    const val SOURCE = "ORT session profiling (provider field of Node events; a fused EP partition counts as one node)"

    /** Placement from the profile's JSON text; throws [JsonError] if it is not a trace (a JSON array of events). */
    fun parse(profileJson: String): Placement {
        val events = Json.parse(profileJson) as? List<*> ?: throw JsonError("an ORT profile is a JSON array of events")
        val nodesByProvider = sortedMapOf<String, MutableSet<String>>()
        for (e in events) {
            val ev = e as? JsonObject ?: continue
            if (ev.opt("cat") != "Node") continue
            val name = ev.opt("name") as? String ?: continue
            if (!name.endsWith("_kernel_time")) continue
            val provider = (ev.opt("args") as? JsonObject)?.opt("provider") as? String ?: continue
            nodesByProvider.getOrPut(provider) { mutableSetOf() }.add(name.removeSuffix("_kernel_time"))
        }
        return Placement(nodesByProvider.mapValues { it.value.size }, SOURCE)
    }
}
