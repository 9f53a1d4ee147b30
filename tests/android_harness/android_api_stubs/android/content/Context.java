package android.content;
public abstract class Context {
    public <T> T getSystemService(Class<T> serviceClass) { throw new UnsupportedOperationException("stub"); }
    public java.io.File getExternalFilesDir(String type) { throw new UnsupportedOperationException("stub"); }
    public java.io.File getFilesDir() { throw new UnsupportedOperationException("stub"); }
    public java.io.File getCacheDir() { throw new UnsupportedOperationException("stub"); }
    public Context getApplicationContext() { throw new UnsupportedOperationException("stub"); }
    public final String getString(int resId) { throw new UnsupportedOperationException("stub"); }
    public final String getString(int resId, Object... formatArgs) { throw new UnsupportedOperationException("stub"); }
}
