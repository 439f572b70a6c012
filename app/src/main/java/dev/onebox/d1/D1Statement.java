package dev.onebox.d1;

import java.util.List;

/** One statement of a call: its SQL and its bound parameters (JSON values, see {@link D1Values}). */
public record D1Statement(String sql, List<Object> params) {

    public D1Statement {
        params = params == null ? List.of() : params;
    }
}
