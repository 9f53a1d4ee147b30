// Android library: the ONNX Runtime engine (NNAPI, XNNPACK, CPU EPs), device facts, PSS memory
// and thermal status around harness-core.
plugins {
    alias(libs.plugins.android.library)
}

android {
    namespace = "mobrecon.harness.android"
    compileSdk = 36

    defaultConfig {
        // 27 (Android 8.1): the NNAPI EP's minimum, so every EP can run on every phone the
        // harness installs on (java.util.Base64 and java.nio.file need 26).
        minSdk = 27
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

dependencies {
    api(project(":harness-core"))
    implementation(libs.onnxruntime.android)
}
