// MobRecon Android harness: times and verifies the exported .ort/.onnx files on a phone with
// ONNX Runtime (NNAPI, XNNPACK, CPU) and writes the project's result schema.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "mobrecon-android-harness"
include(":harness-core", ":harness-android", ":app")
