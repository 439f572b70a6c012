package dev.onebox.projects;

import io.micronaut.core.annotation.Introspected;

/** A file of a version without its content: what the dashboard lists. */
@Introspected
record ProjectFileListing(String path, long size) {
}
