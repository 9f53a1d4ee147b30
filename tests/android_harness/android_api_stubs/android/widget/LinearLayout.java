package android.widget;
public class LinearLayout extends android.view.ViewGroup {
    public static final int HORIZONTAL = 0;
    public static final int VERTICAL = 1;
    public LinearLayout(android.content.Context c) { super(c); }
    public int getOrientation() { throw new UnsupportedOperationException("stub"); }
    public void setOrientation(int orientation) { throw new UnsupportedOperationException("stub"); }
}
