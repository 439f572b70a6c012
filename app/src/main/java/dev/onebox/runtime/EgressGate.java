package dev.onebox.runtime;

import jakarta.inject.Singleton;

/** Refuses egress deploys and try-outs while the rules are missing; other scripts pass untouched. */
@Singleton
public class EgressGate {

    private final RuntimeSelector runtimes;

    EgressGate(RuntimeSelector runtimes) {
        this.runtimes = runtimes;
    }

    public void requireFor(ScriptSettings settings) {
        if (settings.egress()) {
            runtimes.runtime().requireEgress();
        }
    }
}
