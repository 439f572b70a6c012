package dev.onebox.d1;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * What one D1 database may hold and what one call on it may cost ({@code onebox.d1.*}, environment
 * {@code ONEBOX_D1_*}). Every limit is enforced by SQLite itself or before SQLite sees the call.
 *
 * @param maxDatabaseBytes      a database file's size at most (SQLite's {@code max_page_count})
 * @param maxQueryMs            one call (a statement, a batch, an exec) may run this long; then SQLite interrupts it
 * @param maxMigrationMs        a deploy's pending migrations together may run this long
 * @param maxRows               rows one statement may return
 * @param maxResultBytes        bytes (as JSON, about) the rows of one call may take
 * @param maxSqlBytes           SQL text of one statement (and of one exec) at most
 * @param maxParams             bound parameters of one statement at most
 * @param maxBatchStatements    statements in one batch at most
 * @param maxValueBytes         one string or blob (bound, stored or computed) at most (SQLite's {@code SQLITE_LIMIT_LENGTH})
 * @param maxInFlightPerSandbox D1 calls one sandbox may have open; the shim queues the rest
 * @param workerThreads         threads that run D1 SQL, apart from those serving /health, sign-in and the API
 * @param maxQueued             D1 calls waiting for those threads at most; more are refused
 */
@ConfigurationProperties("onebox.d1")
public record D1Limits(
        @Bindable(defaultValue = "536870912") long maxDatabaseBytes,
        @Bindable(defaultValue = "5000") long maxQueryMs,
        @Bindable(defaultValue = "60000") long maxMigrationMs,
        @Bindable(defaultValue = "10000") int maxRows,
        @Bindable(defaultValue = "8388608") long maxResultBytes,
        @Bindable(defaultValue = "102400") int maxSqlBytes,
        @Bindable(defaultValue = "100") int maxParams,
        @Bindable(defaultValue = "100") int maxBatchStatements,
        @Bindable(defaultValue = "2097152") int maxValueBytes,
        @Bindable(defaultValue = "32") int maxInFlightPerSandbox,
        @Bindable(defaultValue = "2") int workerThreads,
        @Bindable(defaultValue = "1024") int maxQueued) {

    /** The defaults above, for code and tests that run without the application context. */
    public static D1Limits defaults() {
        return new D1Limits(536_870_912L, 5000, 60_000, 10_000, 8_388_608L, 102_400, 100, 100, 2_097_152, 32, 2, 1024);
    }
}
