package mobrecon.harness.core.pipeline

import kotlin.test.Test
import kotlin.test.assertContentEquals
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The Kotlin registration against `tests/vectors/pipeline/registration.json`, every case. */
class RegistrationVectorsTest {
    private val data = PipelineVectors.load("registration.json")
    private val cases = data.objects("cases")
    private val zBounds = data.flat("z_bounds_m").let { it[0] to it[1] }

    private fun solve(case: mobrecon.harness.core.json.JsonObject) =
        Registration.register(case.flat("xyz_m"), case.flat("uv_px"), Intrinsics.of(case.rows("k")), zBounds)

    @Test
    fun parametersAreThePorts() {
        assertEquals(zBounds, Registration.Z_BOUNDS_M, "z_bounds_m")
        assertEquals(data.int("max_rounds"), Registration.MAX_ROUNDS, "max_rounds")
        assertEquals(data.int("min_joints"), Registration.MIN_JOINTS, "min_joints")
        assertEquals(data.double("stop_loss_px"), Registration.STOP_LOSS_PX, "stop_loss_px")
        assertContentEquals(data.longs("mano_to_mpii").map { it.toInt() }.toIntArray(), Outputs.MANO_TO_MPII, "mano_to_mpii")
    }

    @Test
    fun translations() {
        val d = Differences("registration.json")
        val tolerance = data.obj("tolerance").double("t_m")
        for (case in cases) d.compare("t_m", case.string("name"), case.flat("expected_t_m"), solve(case).t, tolerance)
        // noise-free projections: the known t itself, to well under a micrometre
        for (case in cases.filter { it.string("name") == "noise-free" }) {
            d.compare("t_m vs t_true_m (noise-free)", case.string("name"), case.flat("t_true_m"), solve(case).t, 1e-9)
        }
        d.report()
    }

    @Test
    fun roundsJointsUsedAndBounds() {
        assertTrue(cases.size >= 8)
        var atBound = 0
        for (case in cases) {
            val reg = solve(case)
            val name = case.string("name")
            assertEquals(case.int("expected_rounds"), reg.rounds, "$name: rounds")
            assertContentEquals(case.longs("expected_joints_used").map { it.toInt() }.toIntArray(), reg.jointsUsed, "$name: joints used")
            assertEquals(case.bool("expected_z_at_bound"), reg.zAtBound, "$name: t_z at a bound")
            if (reg.zAtBound) atBound++
        }
        println("pipeline-vectors registration.json rounds, joints_used, z_at_bound: ${cases.size} cases equal ($atBound at a bound)")
        assertTrue(atBound >= 2, "the vectors exercise both z bounds")
    }
}
