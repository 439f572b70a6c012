package dev.onebox.auth;

import dev.onebox.OneboxConfig;
import dev.onebox.http.ApiException;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Checks and changes the password of the dashboard's user {@code admin}. */
@Singleton
public class AdminPassword {

    public static final String USER = "admin";
    static final int MIN_LENGTH = 12;

    private final AdminPasswordRepository passwords;
    private final OneboxConfig config;

    AdminPassword(AdminPasswordRepository passwords, OneboxConfig config) {
        this.passwords = passwords;
        this.config = config;
    }

    public boolean matches(String user, String password) {
        return passwords.findById(AdminPasswordRow.ID)
                .map(row -> USER.equals(user) && PasswordHashing.matches(password, row.hash()))
                .orElse(false);
    }

    /** Installs {@code password} unless the stored hash already matches it; true when it changed. */
    boolean install(String password, String source) {
        var stored = passwords.findById(AdminPasswordRow.ID);
        if (stored.isPresent() && PasswordHashing.matches(password, stored.get().hash())) {
            return false;
        }
        save(password, source, stored.isPresent());
        return true;
    }

    boolean isSet() {
        return passwords.existsById(AdminPasswordRow.ID);
    }

    /**
     * A password set through ONEBOX_ADMIN_PASSWORD is owned by the environment: changing it here
     * would be undone at the next start. The generated file stops being true once the password is
     * changed, so it is removed rather than left holding an old secret.
     */
    public void change(String current, String wanted, String confirmation) {
        if (config.adminPassword() != null && !config.adminPassword().isBlank()) {
            throw ApiException.conflict("password_from_environment",
                    "The password comes from ONEBOX_ADMIN_PASSWORD; change it there and restart onebox.");
        }
        if (!matches(USER, current == null ? "" : current)) {
            throw ApiException.badRequest("wrong_password", "The current password is not right.");
        }
        requireAcceptable(wanted);
        if (!wanted.equals(confirmation)) {
            throw ApiException.badRequest("password_mismatch", "The new password and its confirmation differ.");
        }
        save(wanted, AdminPasswordRow.FROM_DASHBOARD, true);
        try {
            Files.deleteIfExists(config.dataFile(AdminPasswordBootstrap.FILE_NAME));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void requireAcceptable(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw ApiException.badRequest("weak_password", "Use at least " + MIN_LENGTH + " characters.");
        }
        if (PasswordHashing.tooLong(password)) {
            throw ApiException.badRequest("password_too_long", "Use at most " + PasswordHashing.MAX_BYTES + " bytes.");
        }
    }

    private void save(String password, String source, boolean exists) {
        AdminPasswordRow row = new AdminPasswordRow(AdminPasswordRow.ID, PasswordHashing.hash(password), source, System.currentTimeMillis());
        if (exists) {
            passwords.update(row);
        } else {
            passwords.save(row);
        }
    }
}
