package dev.onebox.demo;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/** The single row holding the exact number of greetings. */
@MappedEntity("greeting_total")
record GreetingTotal(@Id int id, long total) {
}
