package dev.onebox.secrets;

import dev.onebox.OneboxConfig;
import dev.onebox.platform.PrivateFiles;
import dev.onebox.platform.Sha256;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The AES-256 key that encrypts secrets, kept in {@code ONEBOX_MASTER_KEY_FILE} (default
 * {@code $ONEBOX_DATA_DIR/master.key}, 0600), never in the database. It is generated only when
 * no secret exists yet; a missing or different key with secrets stored stops the start, since
 * a new key would make every stored secret unreadable.
 */
@Context
public class MasterKey {

    private static final Logger LOG = LoggerFactory.getLogger(MasterKey.class);

    private final Path file;
    private final SecretRepository secrets;
    private SecretKey key;
    private String id;

    MasterKey(OneboxConfig config, @Nullable @Value("${onebox.master-key-file:}") String file, SecretRepository secrets) {
        this.file = file == null || file.isBlank() ? config.dataFile("master.key") : Path.of(file);
        this.secrets = secrets;
    }

    @PostConstruct
    void load() {
        Set<String> inUse = secrets.keyIds();
        if (!Files.exists(file)) {
            if (!inUse.isEmpty()) {
                throw new IllegalStateException("The master key file " + file.toAbsolutePath() + " is missing, but "
                        + secrets.count() + " secrets are stored encrypted with key " + String.join(", ", inUse)
                        + ". Restore that file (it is in your backups next to the database) and start again. "
                        + "Nothing was changed.");
            }
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            if (PrivateFiles.createIfMissing(file, Base64.getEncoder().encodeToString(fresh))) {
                LOG.info("generated a master key for secrets in {} (0600); back it up with the database", file.toAbsolutePath());
            }
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(PrivateFiles.read(file).orElseThrow());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The master key file " + file.toAbsolutePath() + " is not base64 of 32 bytes. Restore it "
                    + "from a backup. Nothing was changed.");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("The master key in " + file.toAbsolutePath() + " has " + raw.length
                    + " bytes, not 32. Restore it from a backup. Nothing was changed.");
        }
        key = new SecretKeySpec(raw, "AES");
        id = idOf(raw);
        inUse.remove(id);
        if (!inUse.isEmpty()) {
            throw new IllegalStateException("The master key in " + file.toAbsolutePath() + " (id " + id + ") is not the key "
                    + "the stored secrets were encrypted with (" + String.join(", ", inUse) + "). Restore the right master.key "
                    + "from your backups and start again. Nothing was changed.");
        }
    }

    SecretKey key() {
        return key;
    }

    String id() {
        return id;
    }

    private static String idOf(byte[] raw) {
        return Sha256.hex("onebox-master-key-id".getBytes(StandardCharsets.UTF_8), raw).substring(0, 12);
    }
}
