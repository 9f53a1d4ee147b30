package ai.onnxruntime;
public enum OrtProvider {
    CPU, NNAPI, XNNPACK;
    public String getName() { throw new UnsupportedOperationException("stub"); }
}
