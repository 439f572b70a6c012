package dev.onebox.d1;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.Map;

/** D1 databases for admins: what is on the box, and SQL run on one of them. */
@Controller("/api/v1/d1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class D1Controller {

    private final D1Overview overview;
    private final D1Queries queries;

    D1Controller(D1Overview overview, D1Queries queries) {
        this.overview = overview;
        this.queries = queries;
    }

    @Get
    List<D1Overview.DatabaseView> list() {
        return overview.list();
    }

    /** {@code params} bind to the {@code ?}s of one statement. */
    @Serdeable
    record Query(@Nullable String sql, @Nullable List<Object> params) {
    }

    @Post("/{name}/query")
    Map<String, Object> query(String name, @Body Query query) {
        return queries.run(name, query.sql(), query.params());
    }
}
