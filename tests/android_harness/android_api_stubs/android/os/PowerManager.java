package android.os;
public final class PowerManager { public int getCurrentThermalStatus() { throw new UnsupportedOperationException("stub"); } }
