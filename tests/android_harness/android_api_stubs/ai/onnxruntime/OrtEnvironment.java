package ai.onnxruntime;
public final class OrtEnvironment implements AutoCloseable {
    public static OrtEnvironment getEnvironment(OrtLoggingLevel loggingLevel, String name) { throw new UnsupportedOperationException("stub"); }
    public static java.util.EnumSet<OrtProvider> getAvailableProviders() { throw new UnsupportedOperationException("stub"); }
    public String getVersion() { throw new UnsupportedOperationException("stub"); }
    public OrtSession createSession(String modelPath, OrtSession.SessionOptions options) throws OrtException { throw new UnsupportedOperationException("stub"); }
    @Override public void close() { throw new UnsupportedOperationException("stub"); }
}
