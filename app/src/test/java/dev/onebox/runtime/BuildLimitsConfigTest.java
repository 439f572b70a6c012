package dev.onebox.runtime;

import dev.onebox.runtime.docker.BuildLimits;
import io.micronaut.core.bind.annotation.Bindable;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The configurable build limits start where the hard-wired ones were: a box that sets nothing builds as before. */
class BuildLimitsConfigTest {

    @Test
    void theDefaultsAreTheLimitsBuildsHadBefore() throws Exception {
        Constructor<?> constructor = BuildLimitsConfig.class.getDeclaredConstructors()[0];
        Parameter[] parameters = constructor.getParameters();
        Object[] defaults = new Object[parameters.length];
        for (int i = 0; i < parameters.length; i++) {
            Bindable bindable = parameters[i].getAnnotation(Bindable.class);
            assertThat(bindable).as("a default for " + parameters[i]).isNotNull();
            defaults[i] = parse(bindable.defaultValue(), parameters[i].getType());
        }
        BuildLimitsConfig config = (BuildLimitsConfig) constructor.newInstance(defaults);

        assertThat(config.limits()).isEqualTo(BuildLimits.DEFAULTS);
    }

    @Test
    void cpusBecomeBillionthsOfACpu() {
        BuildLimitsConfig half = new BuildLimitsConfig(1, 1, 0.5, 1, Duration.ofSeconds(1), 1);

        assertThat(half.limits().nanoCpus()).isEqualTo(500_000_000L);
    }

    private static Object parse(String value, Class<?> type) {
        if (type == long.class) {
            return Long.parseLong(value);
        }
        if (type == int.class) {
            return Integer.parseInt(value);
        }
        if (type == double.class) {
            return Double.parseDouble(value);
        }
        if (type == Duration.class) {
            return Duration.parse("PT" + value.toUpperCase());
        }
        throw new IllegalStateException("no parser for " + type);
    }
}
