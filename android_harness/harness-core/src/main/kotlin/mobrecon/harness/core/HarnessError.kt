package mobrecon.harness.core

/**
 * A problem the user can fix (bad bundle, changed artifact, bad option), in one sentence.
 *
 * The instrumentation test fails with this message and the host driver prints it; nothing else
 * (no stack trace) is meant for the user.
 */
class HarnessError(message: String) : RuntimeException(message)
