package mobrecon.harness.core.pipeline

import mobrecon.harness.core.json.JsonError
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** How the port finds and reads the shared vector files. */
class VectorFilesTest {
    @Test
    fun anotherFormatVersionIsRefused() {
        val file = Files.createTempFile("vectors", ".json").toFile().also { it.deleteOnExit() }
        file.writeText("""{"format": "mobrecon-pipeline-vectors/2", "cases": []}""")
        val e = assertFailsWith<JsonError> { PipelineVectors.read(file) }
        assertTrue("mobrecon-pipeline-vectors/2" in e.message!! && "mobrecon-pipeline-vectors/1" in e.message!!, e.message)
        file.writeText("""{"cases": []}""")
        assertFailsWith<JsonError> { PipelineVectors.read(file) }
    }

    @Test
    fun anUnlocatedVectorFolderFailsSayingHowToPassIt() {
        val e = assertFailsWith<AssertionError> { PipelineVectors.folder(property = null, environment = null) }
        assertTrue("-Dmobrecon.vectors=" in e.message!!, e.message)
        val empty = Files.createTempDirectory("no-vectors").toFile().also { it.deleteOnExit() }
        assertFailsWith<AssertionError> { PipelineVectors.folder(property = empty.path, environment = null) }
        // the run under test is located: both files are there and in the supported format
        assertEquals(PipelineVectors.FORMAT, PipelineVectors.load("crop.json").string("format"))
        assertEquals(PipelineVectors.FORMAT, PipelineVectors.load("registration.json").string("format"))
    }
}
