package dev.onebox.scripts;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** A project file as the dashboard shows it: UTF-8 text up to a size, or nothing (binary or too large). */
final class ProjectFileText {

    static final int MAX_SHOWN_BYTES = 256 * 1024;

    private ProjectFileText() {
    }

    static Optional<String> of(byte[] content) {
        if (content.length > MAX_SHOWN_BYTES) {
            return Optional.empty();
        }
        for (byte b : content) {
            if (b == 0) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
