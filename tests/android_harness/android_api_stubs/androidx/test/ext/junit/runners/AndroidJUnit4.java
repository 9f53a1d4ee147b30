package androidx.test.ext.junit.runners;
public final class AndroidJUnit4 extends org.junit.runner.Runner {
    public AndroidJUnit4(Class<?> klass) { throw new UnsupportedOperationException("stub"); }
    public org.junit.runner.Description getDescription() { throw new UnsupportedOperationException("stub"); }
    public void run(org.junit.runner.notification.RunNotifier notifier) { throw new UnsupportedOperationException("stub"); }
}
