package dev.onebox.runs;

import jakarta.inject.Singleton;

/** Removes the runs of a deleted script. */
@Singleton
public class RunCleanup {

    private final RunRepository runs;

    RunCleanup(RunRepository runs) {
        this.runs = runs;
    }

    public void deleteForScript(String script) {
        runs.deleteByScript(script);
    }
}
