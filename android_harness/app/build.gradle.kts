// The app (one screen that runs a bundle and shows the table) and its instrumentation test,
// the entry point of `mobrecon device android run` and of device farms.
plugins {
    alias(libs.plugins.android.application)
}

android {
    namespace = "mobrecon.harness.app"
    compileSdk = 36

    defaultConfig {
        applicationId = "com.mobrecon.harness"
        minSdk = 27
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

dependencies {
    implementation(project(":harness-android"))
    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.androidx.test.ext.junit)
    androidTestImplementation(libs.junit)
}
