package dev.onebox.dashboard;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns records (the app's DTOs) into maps for the templates: Thymeleaf's expression language
 * (OGNL) finds JavaBean getters, not record accessors, and cannot call the accessors of the
 * package-private records each feature keeps to itself.
 */
public final class TemplateValues {

    private TemplateValues() {
    }

    public static Object of(Object value) {
        if (value == null) {
            return null;
        }
        if (value.getClass().isRecord()) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (RecordComponent component : value.getClass().getRecordComponents()) {
                fields.put(component.getName(), of(read(component.getAccessor(), value)));
            }
            return fields;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> converted = new LinkedHashMap<>();
            map.forEach((k, v) -> converted.put(k, of(v)));
            return converted;
        }
        if (value instanceof Collection<?> items) {
            List<Object> converted = new ArrayList<>(items.size());
            items.forEach(item -> converted.add(of(item)));
            return converted;
        }
        return value;
    }

    private static Object read(Method accessor, Object record) {
        try {
            accessor.setAccessible(true);
            return accessor.invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + accessor + " for a template", e);
        }
    }
}
