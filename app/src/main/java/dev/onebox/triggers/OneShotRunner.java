package dev.onebox.triggers;

import dev.onebox.platform.Failures;
import dev.onebox.runtime.Invocation;
import jakarta.inject.Singleton;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** Waits for a one-off run to end and gathers its response and logs into one answer. */
@Singleton
class OneShotRunner {

    static final int MAX_BODY_BYTES = 1024 * 1024;

    CompletableFuture<OneShotResult> collect(CompletableFuture<Invocation> started) {
        return started.thenCompose(invocation -> {
            CompletableFuture<OneShotResult.Response> response = invocation.head()
                    .thenCompose(head -> body(invocation, head).thenApply(bytes -> new OneShotResult.Response(
                            head.status(), head.headers(), encode(bytes), isText(bytes) ? "utf8" : "base64")))
                    .exceptionally(error -> null);
            return invocation.ended().thenCombine(response, (status, answered) -> {
                var run = invocation.run();
                return new OneShotResult(run.id(), status.wire(), run.durationMs(), answered, run.log().text(), run.log().truncated(),
                        run.error());
            });
        }).exceptionallyCompose(error -> {
            Throwable cause = Failures.cause(error);
            return CompletableFuture.failedFuture(cause);
        });
    }

    private static CompletableFuture<byte[]> body(Invocation invocation, Invocation.Head head) {
        if (head.completeBody() != null) {
            return CompletableFuture.completedFuture(head.completeBody());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return invocation.body()
                .doOnNext(chunk -> {
                    if (out.size() + chunk.length <= MAX_BODY_BYTES) {
                        out.writeBytes(chunk);
                    }
                })
                .then().toFuture().thenApply(done -> out.toByteArray());
    }

    private static boolean isText(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String encode(byte[] bytes) {
        return isText(bytes) ? new String(bytes, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(bytes);
    }
}
