package mobrecon.harness.app;
/** Stands for the R class AGP generates from app/src/main/res/values/strings.xml (same names). */
public final class R {
    public static final class string {
        public static final int app_name = 0, run_bundle = 1, running = 2, ready = 3, result_line = 4, error_line = 5;
    }
}
