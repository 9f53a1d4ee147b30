package android.os;
public final class Debug { public static long getPss() { throw new UnsupportedOperationException("stub"); } }
