package dev.onebox.runs;

import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;

import java.util.Collections;
import java.util.List;

/** The run writer's transactions. */
@Singleton
class RunWrites {

    private final RunRepository runs;

    RunWrites(RunRepository runs) {
        this.runs = runs;
    }

    /** Applies queued writes, in order, in one transaction. */
    @Transactional
    List<Boolean> apply(List<Runnable> writes) {
        writes.forEach(Runnable::run);
        return Collections.nCopies(writes.size(), Boolean.TRUE);
    }

    @Transactional
    long failUnfinished() {
        return runs.failUnfinished(System.currentTimeMillis(), "the app stopped while this run was in progress");
    }
}
