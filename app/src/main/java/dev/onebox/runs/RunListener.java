package dev.onebox.runs;

/**
 * The port through which the runtime reports runs. The ports live here, in {@code runs}, and not
 * in {@code runtime}: runs are a feature of their own (stored rows, pages, retention) that must
 * read without the engine, so {@code runtime} depends on {@code runs} and never the other way
 * round. {@link RunRecorder} implements it; the runtime sees only this interface,
 * {@link RunReport} and {@link RunNotes}.
 */
public interface RunListener {

    /** A sandbox took a call: its run starts now. */
    RunReport started(RunStart start);
}
