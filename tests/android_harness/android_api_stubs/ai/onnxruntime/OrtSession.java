package ai.onnxruntime;
public class OrtSession implements AutoCloseable {
    public java.util.Set<String> getInputNames() { throw new UnsupportedOperationException("stub"); }
    public java.util.Set<String> getOutputNames() { throw new UnsupportedOperationException("stub"); }
    public Result run(java.util.Map<String, ? extends OnnxTensorLike> inputs) throws OrtException { throw new UnsupportedOperationException("stub"); }
    public String endProfiling() throws OrtException { throw new UnsupportedOperationException("stub"); }
    @Override public void close() throws OrtException { throw new UnsupportedOperationException("stub"); }
    public static class SessionOptions implements AutoCloseable {
        public enum ExecutionMode { SEQUENTIAL, PARALLEL }
        public SessionOptions() { throw new UnsupportedOperationException("stub"); }
        public void setIntraOpNumThreads(int numThreads) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void setInterOpNumThreads(int numThreads) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void setExecutionMode(ExecutionMode mode) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void addConfigEntry(String configKey, String configValue) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void addNnapi(java.util.EnumSet<ai.onnxruntime.providers.NNAPIFlags> flags) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void addXnnpack(java.util.Map<String, String> providerOptions) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void setSessionLogLevel(OrtLoggingLevel logLevel) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void setSessionLogVerbosityLevel(int logLevel) throws OrtException { throw new UnsupportedOperationException("stub"); }
        public void enableProfiling(String filePath) throws OrtException { throw new UnsupportedOperationException("stub"); }
        @Override public void close() { throw new UnsupportedOperationException("stub"); }
    }
    public static class Result implements AutoCloseable, Iterable<java.util.Map.Entry<String, OnnxValue>> {
        @Override public void close() { throw new UnsupportedOperationException("stub"); }
        @Override public java.util.Iterator<java.util.Map.Entry<String, OnnxValue>> iterator() { throw new UnsupportedOperationException("stub"); }
        public java.util.Optional<OnnxValue> get(String key) { throw new UnsupportedOperationException("stub"); }
    }
}
