// Plain Kotlin/JVM: no android.* and no ai.onnxruntime. The same sources compile and run their
// JUnit tests on a host without Gradle (tests/android_harness, kotlinc from npm).
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    testImplementation(libs.kotlin.test.junit)
    testImplementation(libs.junit)
}

// The pipeline port's tests read the shared vectors (tests/vectors/pipeline/*.json) of the repository.
tasks.withType<Test>().configureEach {
    systemProperty("mobrecon.vectors", rootProject.projectDir.resolve("../tests/vectors").canonicalPath)
}
