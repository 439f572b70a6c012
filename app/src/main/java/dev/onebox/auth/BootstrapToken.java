package dev.onebox.auth;

import dev.onebox.OneboxConfig;
import dev.onebox.platform.PrivateFiles;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Makes sure an admin can reach the API on first start: the token comes from
 * {@code ONEBOX_ADMIN_TOKEN}, or from {@code $ONEBOX_DATA_DIR/admin-token}, which is generated
 * (0600) and printed once when missing.
 */
@Context
class BootstrapToken {

    static final String FILE_NAME = "admin-token";
    private static final int MIN_LENGTH = 16;
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapToken.class);

    private final OneboxConfig config;
    private final ApiTokenService tokens;

    BootstrapToken(OneboxConfig config, ApiTokenService tokens) {
        this.config = config;
        this.tokens = tokens;
    }

    @PostConstruct
    void install() {
        String configured = config.adminToken();
        if (configured != null && !configured.isBlank()) {
            if (configured.strip().length() < MIN_LENGTH) {
                throw new IllegalStateException("ONEBOX_ADMIN_TOKEN must be at least " + MIN_LENGTH
                        + " characters; generate one with: openssl rand -hex 32");
            }
            if (tokens.installBootstrap(configured.strip())) {
                LOG.info("admin token from ONEBOX_ADMIN_TOKEN installed");
            }
            return;
        }
        Path file = config.dataFile(FILE_NAME);
        String candidate = TokenSecrets.generate();
        if (PrivateFiles.createIfMissing(file, candidate)) {
            tokens.installBootstrap(candidate);
            LOG.info("""

                    ==============================================================
                     onebox admin token (shown once; kept in {} with mode 0600):
                       {}
                     use it as: Authorization: Bearer <token>
                    ==============================================================""", file.toAbsolutePath(), candidate);
            return;
        }
        String stored = PrivateFiles.read(file).orElse("");
        if (stored.length() < MIN_LENGTH) {
            throw new IllegalStateException(file.toAbsolutePath() + " holds no valid token; delete it to generate a new one");
        }
        if (tokens.installBootstrap(stored)) {
            LOG.info("admin token from {} installed", file.toAbsolutePath());
        }
    }
}
