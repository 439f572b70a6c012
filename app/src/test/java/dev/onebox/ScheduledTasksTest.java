package dev.onebox;

import dev.onebox.testing.TestApp;
import io.micronaut.context.ApplicationContext;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.ExecutableMethod;
import io.micronaut.scheduling.annotation.Scheduled;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every scheduled task can run: Micronaut invokes a {@code @Scheduled} method on the bean the
 * context hands out, so a bean replaced by a wrapper as it is created (an observer of KV or D1
 * calls) would fail on every tick with a ClassCastException instead of doing its work.
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScheduledTasksTest implements TestPropertyProvider {

    @Inject
    ApplicationContext context;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withProcessRuntime("scheduled-token-0123456789abcdef");
    }

    @Test
    void everyScheduledTaskRunsOnABeanOfItsOwnType() {
        List<String> scheduled = new ArrayList<>();
        List<String> wrapped = new ArrayList<>();
        for (BeanDefinition<?> definition : context.getAllBeanDefinitions()) {
            for (ExecutableMethod<?, ?> method : definition.getExecutableMethods()) {
                if (!method.hasStereotype(Scheduled.class)) {
                    continue;
                }
                String name = definition.getBeanType().getSimpleName() + "." + method.getMethodName();
                scheduled.add(name);
                Object bean = context.getBean(definition);
                if (!method.getDeclaringType().isInstance(bean)) {
                    wrapped.add(name + " is handed out as " + bean.getClass().getName());
                }
            }
        }
        assertThat(wrapped).isEmpty();
        assertThat(scheduled).contains("KvExpiry.purgeExpired").hasSizeGreaterThan(5);
    }
}
