package android.app;
public class Instrumentation {
    public static final String REPORT_KEY_STREAMRESULT = "stream";
    public android.content.Context getTargetContext() { throw new UnsupportedOperationException("stub"); }
    public void sendStatus(int resultCode, android.os.Bundle results) { throw new UnsupportedOperationException("stub"); }
}
