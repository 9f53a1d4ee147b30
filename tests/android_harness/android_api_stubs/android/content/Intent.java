package android.content;
public class Intent { public android.os.Bundle getExtras() { throw new UnsupportedOperationException("stub"); } }
