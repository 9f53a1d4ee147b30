package android.app;
public class Activity extends android.content.Context {
    protected void onCreate(android.os.Bundle savedInstanceState) { throw new UnsupportedOperationException("stub"); }
    public void setContentView(android.view.View view) { throw new UnsupportedOperationException("stub"); }
    public android.content.Intent getIntent() { throw new UnsupportedOperationException("stub"); }
    public final void runOnUiThread(Runnable action) { throw new UnsupportedOperationException("stub"); }
}
