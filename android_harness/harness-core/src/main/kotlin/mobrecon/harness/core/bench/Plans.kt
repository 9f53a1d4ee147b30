package mobrecon.harness.core.bench

import mobrecon.harness.core.HarnessError
import mobrecon.harness.core.bundle.Bundle

/** Compute units the Android harness knows, in the order it runs them by default. */
val ANDROID_COMPUTE_UNITS = listOf("nnapi", "xnnpack", "cpu")

/**
 * What the user selected: compute units, thread counts, optionally artifact ids.
 *
 * @property computeUnits e.g. `[nnapi, xnnpack, cpu]` (the `eps` instrumentation argument).
 * @property threads intra-op thread counts, e.g. `[1, 4]`.
 * @property artifactIds bundle artifact ids to run; empty = every artifact meant for [platform].
 * @property platform the `runs[].platform` to select (`android`).
 */
data class Selection(
    val computeUnits: List<String> = ANDROID_COMPUTE_UNITS,
    val threads: List<Int> = listOf(1),
    val artifactIds: List<String> = emptyList(),
    val platform: String = "android",
) {
    init {
        if (computeUnits.isEmpty()) throw HarnessError("no compute unit selected (choose from ${ANDROID_COMPUTE_UNITS.joinToString(",")})")
        computeUnits.firstOrNull { it !in ANDROID_COMPUTE_UNITS }?.let {
            throw HarnessError("unknown compute unit '$it' (choose from ${ANDROID_COMPUTE_UNITS.joinToString(",")})")
        }
        if (threads.isEmpty() || threads.any { it < 1 }) throw HarnessError("thread counts must be at least 1, got $threads")
    }
}

/**
 * The records to measure, in run order: artifacts in bundle order, then compute units in the
 * selection's order, then thread counts.
 *
 * The NNAPI EP runs the whole graph (one partition, ORT's CPU fallback disabled where the API
 * level allows): the intra-op thread count does not change what runs, so an `nnapi` record is
 * made once per artifact, at the first selected thread count.
 *
 * @throws HarnessError if an artifact id is not in the bundle, or nothing matches the selection.
 */
fun planRuns(bundle: Bundle, selection: Selection): List<RunPlan> {
    val known = bundle.artifacts.map { it.id }.toSet()
    selection.artifactIds.firstOrNull { it !in known }?.let { throw HarnessError("the bundle has no artifact '$it'") }
    val plans = mutableListOf<RunPlan>()
    for (artifact in bundle.artifacts) {
        if (selection.artifactIds.isNotEmpty() && artifact.id !in selection.artifactIds) continue
        val units = artifact.runs.filter { it.platform == selection.platform && it.runtime == "onnxruntime" }.map { it.computeUnit }
        for (unit in selection.computeUnits) {
            if (unit !in units) continue
            val threadCounts = if (unit == "nnapi") selection.threads.take(1) else selection.threads
            for (t in threadCounts) plans.add(RunPlan(artifact, bundle.path(artifact.file), unit, t))
        }
    }
    if (plans.isEmpty()) {
        throw HarnessError("nothing to run: no ${selection.platform} artifact in the bundle runs on ${selection.computeUnits.joinToString(",")}")
    }
    return plans
}
