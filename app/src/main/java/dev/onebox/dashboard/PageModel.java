package dev.onebox.dashboard;

import io.micronaut.views.ModelAndView;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;

/**
 * A page's model written as a record, whose component names are the names its template reads,
 * handed to the views as the map they take (the layout's values are added to it by
 * {@link DashboardViewModel}). The record keeps a page's values typed and in one place, where a
 * map would let a misspelt key reach the template as a blank.
 */
public final class PageModel {

    private PageModel() {
    }

    public static ModelAndView<Map<String, Object>> view(String view, Record page) {
        Map<String, Object> model = new HashMap<>();
        for (RecordComponent component : page.getClass().getRecordComponents()) {
            try {
                var accessor = component.getAccessor();
                accessor.setAccessible(true);
                model.put(component.getName(), accessor.invoke(page));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component + " of a page model", e);
            }
        }
        return new ModelAndView<>(view, model);
    }
}
