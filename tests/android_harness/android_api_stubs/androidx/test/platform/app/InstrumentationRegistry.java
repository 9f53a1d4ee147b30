package androidx.test.platform.app;
public final class InstrumentationRegistry {
    public static android.app.Instrumentation getInstrumentation() { throw new UnsupportedOperationException("stub"); }
    public static android.os.Bundle getArguments() { throw new UnsupportedOperationException("stub"); }
}
