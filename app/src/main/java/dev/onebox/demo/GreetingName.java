package dev.onebox.demo;

import dev.onebox.http.ApiException;

/** The rules for a name to greet: present, at most 64 characters, no control characters. */
final class GreetingName {

    static final int MAX_LENGTH = 64;

    private GreetingName() {
    }

    static String require(String name) {
        if (name == null || name.isEmpty()) {
            throw ApiException.badRequest("missing_name", "Give a name to greet, e.g. ?name=Ada.");
        }
        if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw ApiException.badRequest("name_too_long", "A name has at most " + MAX_LENGTH + " characters.");
        }
        if (name.codePoints().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("invalid_name", "A name cannot contain control characters.");
        }
        if (name.isBlank()) {
            throw ApiException.badRequest("missing_name", "A name cannot be only spaces.");
        }
        return name;
    }
}
