package dev.onebox.d1;

import dev.onebox.http.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.views.ModelAndView;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** D1 on the dashboard: the databases, and a console that runs SQL on one and shows the rows as a table. */
@Controller("/ui/d1")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class D1Pages {

    private final D1Overview overview;
    private final D1Queries queries;

    D1Pages(D1Overview overview, D1Queries queries) {
        this.overview = overview;
        this.queries = queries;
    }

    @Get
    ModelAndView<Map<String, Object>> list() {
        return new ModelAndView<>("d1/list", Map.of("databases", overview.list()));
    }

    @Get("/{name}")
    MutableHttpResponse<?> console(String name) {
        return overview.find(name).<MutableHttpResponse<?>>map(database -> HttpResponse.ok(page(database, Map.of())))
                .orElseGet(() -> HttpResponse.notFound(new ModelAndView<>("error", Map.of("status", 404,
                        "message", "There is no D1 database named '" + name + "'."))));
    }

    @Serdeable
    record RunSql(@Nullable String sql) {
    }

    @Post("/{name}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    MutableHttpResponse<?> run(String name, @Body RunSql form) {
        D1Overview.DatabaseView database = overview.find(name).orElse(null);
        if (database == null) {
            return console(name);
        }
        String sql = form.sql() == null ? "" : form.sql();
        try {
            Map<String, Object> result = queries.run(name, sql, List.of());
            Map<String, Object> model = new HashMap<>(table(result));
            model.put("sql", sql);
            model.put("meta", result.get("meta"));
            return HttpResponse.ok(page(overview.find(name).orElse(database), model));
        } catch (ApiException e) {
            return HttpResponse.status(e.status()).body(page(database, Map.of("error", e.getMessage(), "sql", sql)));
        }
    }

    /** The result's rows as a table: the column names of the first row, then each row's values. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> table(Map<String, Object> result) {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) result.get("results");
        List<String> columns = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).keySet());
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            cells.add(row.values().stream().map(value -> value == null ? "NULL" : String.valueOf(value)).toList());
        }
        return Map.of("columns", columns, "rows", cells);
    }

    private static ModelAndView<Map<String, Object>> page(D1Overview.DatabaseView database, Map<String, Object> extra) {
        Map<String, Object> model = new HashMap<>(extra);
        model.put("database", database);
        return new ModelAndView<>("d1/console", model);
    }
}
