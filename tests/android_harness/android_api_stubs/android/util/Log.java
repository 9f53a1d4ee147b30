package android.util;
public final class Log { public static int i(String tag, String msg) { throw new UnsupportedOperationException("stub"); } }
