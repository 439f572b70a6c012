package dev.onebox.testing;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

public final class Json {

    private static final JsonMapper MAPPER = JsonMapper.createDefault();

    private Json() {
    }

    public static Map<String, Object> object(String body) {
        try {
            return MAPPER.readValue(body, Argument.mapOf(String.class, Object.class));
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON object: " + body, e);
        }
    }

    public static List<Map<String, Object>> array(String body) {
        try {
            return MAPPER.readValue(body, Argument.listOf(Argument.mapOf(String.class, Object.class)));
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON array: " + body, e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Object path(Map<String, Object> object, String dotted) {
        Object current = object;
        for (String part : dotted.split("\\.")) {
            current = ((Map<String, Object>) current).get(part);
        }
        return current;
    }
}
