package dev.onebox.runs;

/**
 * The runtime's way to add a word to a run that already ended, for what it learns about a call
 * only after the answer (e.g. its sandbox kept working and was recycled). A port like
 * {@link RunListener}: {@code runs} implements it and the runtime depends on it.
 */
public interface RunNotes {

    /** Appends one warning line to the stored logs of the run, once it is stored. */
    void note(String runId, String message);
}
