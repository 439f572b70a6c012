package dev.onebox.d1;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * D1's types between JSON and SQLite. In: null, numbers (whole ones as INTEGER, others as REAL),
 * booleans (1 or 0), strings, and blobs, which the shim sends as {@code {"blob": "<base64>"}}
 * (ArrayBuffer, typed arrays). Out: INTEGER and REAL as numbers, TEXT as strings, NULL as null and
 * BLOB as an array of byte values, as D1 answers.
 */
final class D1Values {

    /** A JSON number is whole and exact as a long up to this (JavaScript's safe integers). */
    private static final double SAFE_INTEGER = 9007199254740991d;

    private D1Values() {
    }

    static void bind(PreparedStatement statement, int index, Object value, int maxValueBytes) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.NULL);
        } else if (value instanceof Boolean flag) {
            statement.setLong(index, flag ? 1 : 0);
        } else if (value instanceof Integer || value instanceof Long) {
            statement.setLong(index, ((Number) value).longValue());
        } else if (value instanceof Number number) {
            double d = number.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= SAFE_INTEGER) {
                statement.setLong(index, (long) d);
            } else {
                statement.setDouble(index, d);
            }
        } else if (value instanceof String text) {
            if ((long) text.length() > maxValueBytes) {
                throw tooLarge("string", maxValueBytes);
            }
            statement.setString(index, text);
        } else if (value instanceof Map<?, ?> map && map.size() == 1 && map.get("blob") instanceof String base64) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(base64);
            } catch (IllegalArgumentException e) {
                throw new D1Exception("D1_TYPE_ERROR: a blob parameter is not valid base64");
            }
            if (bytes.length > maxValueBytes) {
                throw tooLarge("blob", maxValueBytes);
            }
            statement.setBytes(index, bytes);
        } else {
            throw new D1Exception("D1_TYPE_ERROR: Type '" + typeName(value) + "' not supported for value '" + value + "'");
        }
    }

    /** A column value as D1 answers it. */
    static Object read(Object value) {
        if (value instanceof byte[] bytes) {
            List<Integer> array = new ArrayList<>(bytes.length);
            for (byte b : bytes) {
                array.add(b & 0xff);
            }
            return array;
        }
        if (value instanceof Integer number) {
            return number.longValue();
        }
        if (value instanceof Double number && number.isInfinite()) {
            return null; // JSON has no infinity; JSON.stringify answers null too
        }
        return value;
    }

    /** About how many bytes the value takes as JSON, for the result size limit. */
    static long jsonBytes(Object value) {
        if (value == null) {
            return 4;
        }
        if (value instanceof String text) {
            return text.length() + 2L;
        }
        if (value instanceof byte[] bytes) {
            return bytes.length * 4L;
        }
        return 24;
    }

    private static D1Exception tooLarge(String kind, int maxValueBytes) {
        return D1Exception.error("a bound " + kind + " is at most " + maxValueBytes / 1024 + " KiB (the limit): SQLITE_TOOBIG");
    }

    private static String typeName(Object value) {
        return value instanceof Map ? "object" : value instanceof List ? "array" : value.getClass().getSimpleName().toLowerCase();
    }
}
