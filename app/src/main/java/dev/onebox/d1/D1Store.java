package dev.onebox.d1;

import dev.onebox.runtime.D1Binding;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Scripts' D1 calls as they come off the channel (PROTOCOL.md, frames d1 and d1_result): checks
 * the request's shape, runs it on {@link D1Workers}, never on the executor that serves /health,
 * sign-in and the API, and answers the rows in the compact form the shim reads.
 */
@Singleton
class D1Store implements D1Binding {

    private final D1Engine engine;
    private final D1Workers workers;

    D1Store(D1Engine engine, D1Workers workers) {
        this.engine = engine;
        this.workers = workers;
    }

    @Override
    public int maxInFlightPerSandbox() {
        return engine.limits().maxInFlightPerSandbox();
    }

    @Override
    public CompletionStage<Map<String, Object>> handle(String database, Map<String, Object> request) {
        String op = String.valueOf(request.get("op"));
        try {
            return switch (op) {
                case "query" -> {
                    List<D1Statement> statements = statements(request);
                    if (statements.size() != 1) {
                        throw D1Exception.error("a query is one statement");
                    }
                    yield workers.submit(() -> results(List.of(engine.database(database).run(statements.get(0)))));
                }
                case "batch" -> {
                    List<D1Statement> statements = statements(request);
                    yield workers.submit(() -> results(engine.database(database).batch(statements)));
                }
                case "exec" -> {
                    if (!(request.get("sql") instanceof String sql)) {
                        throw D1Exception.error("exec() takes SQL text");
                    }
                    yield workers.submit(() -> {
                        D1Database.ExecResult result = engine.database(database).exec(sql);
                        Map<String, Object> answer = new LinkedHashMap<>();
                        answer.put("count", result.count());
                        answer.put("duration", result.duration());
                        return answer;
                    });
                }
                default -> throw D1Exception.error("unknown D1 operation '" + op + "'");
            };
        } catch (D1Exception refused) {
            return CompletableFuture.failedFuture(refused);
        }
    }

    private List<D1Statement> statements(Map<String, Object> request) {
        if (!(request.get("statements") instanceof List<?> list)) {
            throw D1Exception.error("a D1 request carries its statements");
        }
        if (list.size() > engine.limits().maxBatchStatements()) {
            throw D1Exception.error("a batch holds at most " + engine.limits().maxBatchStatements() + " statements (the limit); this one has "
                    + list.size());
        }
        List<D1Statement> statements = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> statement) || !(statement.get("sql") instanceof String sql)) {
                throw D1Exception.error("a statement is {sql, params}");
            }
            Object params = statement.get("params");
            if (params != null && !(params instanceof List)) {
                throw D1Exception.error("a statement's params are a list");
            }
            @SuppressWarnings("unchecked")
            List<Object> values = params == null ? List.of() : (List<Object>) params;
            statements.add(new D1Statement(sql, values));
        }
        return statements;
    }

    private static Map<String, Object> results(List<D1Result> results) {
        List<Map<String, Object>> frames = new ArrayList<>(results.size());
        for (D1Result result : results) {
            frames.add(result.toFrame());
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("results", frames);
        return answer;
    }
}
