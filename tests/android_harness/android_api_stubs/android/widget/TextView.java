package android.widget;
public class TextView extends android.view.View {
    public TextView(android.content.Context c) { super(c); }
    public CharSequence getText() { throw new UnsupportedOperationException("stub"); }
    public final void setText(CharSequence text) { throw new UnsupportedOperationException("stub"); }
    public float getTextSize() { throw new UnsupportedOperationException("stub"); }
    public void setTextSize(float size) { throw new UnsupportedOperationException("stub"); }
    public android.graphics.Typeface getTypeface() { throw new UnsupportedOperationException("stub"); }
    public void setTypeface(android.graphics.Typeface tf) { throw new UnsupportedOperationException("stub"); }
    public void setTextIsSelectable(boolean selectable) { throw new UnsupportedOperationException("stub"); }
}
