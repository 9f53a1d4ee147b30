package mobrecon.harness.core

import mobrecon.harness.core.json.JsonError
import mobrecon.harness.core.placement.OrtProfilePlacement
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith

class PlacementTest {
    @Test
    fun countsDistinctKernelsPerProvider() {
        // the shape of ORT's trace: Session events, then per run a Node event per kernel (fence events too)
        val trace = """[
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 10, "ts": 1, "ph": "X", "name": "model_loading_uri", "args": {}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 0, "ts": 5, "ph": "X", "name": "conv1_fence_before", "args": {"op_name": "Conv"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 40, "ts": 6, "ph": "X", "name": "conv1_kernel_time",
           "args": {"op_name": "Conv", "provider": "XnnpackExecutionProvider", "thread_scheduling_stats": {}}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 3, "ts": 50, "ph": "X", "name": "gather_kernel_time", "args": {"op_name": "Gather", "provider": "CPUExecutionProvider"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 39, "ts": 60, "ph": "X", "name": "conv1_kernel_time", "args": {"op_name": "Conv", "provider": "XnnpackExecutionProvider"}},
          {"cat": "Node", "pid": 1, "tid": 1, "dur": 9, "ts": 99, "ph": "X", "name": "NnapiExecutionProvider_NNAPI_123_0_0_kernel_time", "args": {"op_name": "NNAPI_123_0", "provider": "NnapiExecutionProvider"}},
          {"cat": "Session", "pid": 1, "tid": 1, "dur": 90, "ts": 5, "ph": "X", "name": "model_run", "args": {}}
        ]"""
        val p = OrtProfilePlacement.parse(trace)
        assertEquals(mapOf("CPUExecutionProvider" to 1, "NnapiExecutionProvider" to 1, "XnnpackExecutionProvider" to 1), p.nodesByProvider)
        assertEquals(OrtProfilePlacement.SOURCE, p.source)
        assertFailsWith<JsonError> { OrtProfilePlacement.parse("{}") }
    }
}
