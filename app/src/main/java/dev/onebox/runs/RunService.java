package dev.onebox.runs;

import jakarta.inject.Singleton;

/** Removes the runs of a deleted script. */
@Singleton
public class RunService {

    private final RunRepository runs;

    RunService(RunRepository runs) {
        this.runs = runs;
    }

    public void deleteForScript(String script) {
        runs.deleteByScript(script);
    }
}
