package android.widget;
public class HorizontalScrollView extends FrameLayout { public HorizontalScrollView(android.content.Context c) { super(c); } }
