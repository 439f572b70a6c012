package dev.onebox.auth;

import dev.onebox.OneboxConfig;
import dev.onebox.platform.PrivateFiles;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Makes sure the admin can sign in to the dashboard on first start: the password comes from
 * {@code ONEBOX_ADMIN_PASSWORD} (which then always wins), else from
 * {@code $ONEBOX_DATA_DIR/admin-password}, generated (0600) and printed once when neither it nor
 * a stored password exists. A password changed in the dashboard is kept across restarts.
 */
@Context
class AdminPasswordBootstrap {

    static final String FILE_NAME = "admin-password";
    private static final Logger LOG = LoggerFactory.getLogger(AdminPasswordBootstrap.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final OneboxConfig config;
    private final AdminPassword password;

    AdminPasswordBootstrap(OneboxConfig config, AdminPassword password) {
        this.config = config;
        this.password = password;
    }

    @PostConstruct
    void install() {
        String configured = config.adminPassword();
        if (configured != null && !configured.isBlank()) {
            if (configured.length() < AdminPassword.MIN_LENGTH || PasswordHashing.tooLong(configured)) {
                throw new IllegalStateException("ONEBOX_ADMIN_PASSWORD must be " + AdminPassword.MIN_LENGTH
                        + " to " + PasswordHashing.MAX_BYTES + " characters long");
            }
            if (password.install(configured, AdminPasswordRow.FROM_ENV)) {
                LOG.info("dashboard password for admin from ONEBOX_ADMIN_PASSWORD installed");
            }
            return;
        }
        Path file = config.dataFile(FILE_NAME);
        var stored = PrivateFiles.read(file);
        if (stored.isPresent() && !stored.get().isBlank()) {
            if (!password.isSet() && password.install(stored.get().strip(), AdminPasswordRow.FROM_FILE)) {
                LOG.info("dashboard password for admin from {} installed", file.toAbsolutePath());
            }
            return;
        }
        if (password.isSet()) {
            return;
        }
        String generated = generate();
        if (PrivateFiles.createIfMissing(file, generated)) {
            password.install(generated, AdminPasswordRow.FROM_FILE);
            LOG.info("""

                    ==============================================================
                     onebox dashboard: user admin, password (shown once; kept in
                     {} with mode 0600):
                       {}
                    ==============================================================""", file.toAbsolutePath(), generated);
        }
    }

    private static String generate() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
