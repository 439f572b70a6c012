package dev.onebox.d1;

import dev.onebox.http.ApiException;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An admin's SQL on a database, for the API and the dashboard's console: one statement (with
 * params) answers its D1 result; several statements run as one batch and answer the last one's
 * result, with every statement's result under {@code batch}. The same policy and limits as scripts.
 */
@Singleton
class D1Queries {

    private final D1Engine engine;

    D1Queries(D1Engine engine) {
        this.engine = engine;
    }

    /** The statement's (or the batch's last) D1 result; an {@link ApiException} for bad input or failed SQL. */
    Map<String, Object> run(String name, String sql, List<Object> params) {
        D1Database database = engine.existing(name).orElseThrow(() ->
                ApiException.notFound("d1_not_found", "There is no D1 database named '" + name + "'."));
        if (sql == null || sql.isBlank()) {
            throw ApiException.badRequest("invalid_query", "The body needs \"sql\": the SQL to run.");
        }
        try {
            List<SqlText.Statement> statements = SqlText.split(sql);
            if (statements.size() <= 1) {
                return database.run(new D1Statement(sql, params)).toD1Json();
            }
            if (params != null && !params.isEmpty()) {
                throw ApiException.badRequest("invalid_query", "\"params\" go with one statement; this SQL has " + statements.size() + ".");
            }
            List<D1Statement> batch = new ArrayList<>();
            statements.forEach(statement -> batch.add(new D1Statement(statement.sql(), List.of())));
            List<D1Result> results = database.batch(batch);
            Map<String, Object> answer = new LinkedHashMap<>(results.get(results.size() - 1).toD1Json());
            answer.put("batch", results.stream().map(D1Result::toD1Json).toList());
            return answer;
        } catch (D1Exception e) {
            throw ApiException.badRequest("d1_error", e.getMessage());
        }
    }
}
