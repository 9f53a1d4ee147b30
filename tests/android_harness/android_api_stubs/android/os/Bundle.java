package android.os;
public final class Bundle {
    public Bundle() { throw new UnsupportedOperationException("stub"); }
    public java.util.Set<String> keySet() { throw new UnsupportedOperationException("stub"); }
    public String getString(String key) { throw new UnsupportedOperationException("stub"); }
    public void putString(String key, String value) { throw new UnsupportedOperationException("stub"); }
}
