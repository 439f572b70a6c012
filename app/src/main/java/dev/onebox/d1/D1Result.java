package dev.onebox.d1;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one statement answered: its columns, its rows as arrays (the shim turns them into objects
 * for {@code all()} and {@code first()}, keeps them for {@code raw()}), and D1's {@code meta}.
 */
public record D1Result(List<String> columns, List<List<Object>> rows, Meta meta) {

    /**
     * D1's {@code meta}. {@code rowsRead} counts the rows the statement returned and
     * {@code rowsWritten} the rows it changed (triggers included): SQLite's own scan counters are
     * not reachable through the driver.
     */
    public record Meta(double duration, long changes, long lastRowId, long rowsRead, long rowsWritten, boolean changedDb,
                       long sizeAfter) {

        Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("served_by", "onebox");
            json.put("duration", duration);
            json.put("changes", changes);
            json.put("last_row_id", lastRowId);
            json.put("changed_db", changedDb);
            json.put("size_after", sizeAfter);
            json.put("rows_read", rowsRead);
            json.put("rows_written", rowsWritten);
            return json;
        }
    }

    /** The compact form the shim reads: {@code columns}, {@code rows}, {@code meta}. */
    public Map<String, Object> toFrame() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("columns", columns);
        json.put("rows", rows);
        json.put("meta", meta.toJson());
        return json;
    }

    /** D1's own shape: {@code results} (one object per row), {@code success}, {@code meta}. */
    public Map<String, Object> toD1Json() {
        List<Map<String, Object>> results = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                object.put(columns.get(i), row.get(i));
            }
            results.add(object);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("results", results);
        json.put("success", true);
        json.put("meta", meta.toJson());
        return json;
    }
}
