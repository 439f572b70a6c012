package dev.onebox.projects;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * An upload that reads the answer while it still sends, as curl does: a server that refuses a
 * large body early answers before it has read it all (java.net.http would wait for its own send).
 */
final class RawUpload {

    record Answer(int status, String body) {
    }

    private RawUpload() {
    }

    static Answer post(URI server, String path, String token, byte[] body) throws IOException, InterruptedException {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + server.getHost() + "\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/gzip\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Thread sender = new Thread(() -> {
                try {
                    for (int at = 0; at < body.length; at += 64 * 1024) {
                        out.write(body, at, Math.min(64 * 1024, body.length - at));
                    }
                    out.flush();
                } catch (IOException closedByServer) {
                    // the server answered and closed: what a refusal looks like
                }
            });
            sender.setDaemon(true);
            sender.start();
            String response = readResponse(socket.getInputStream());
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            String content = split < 0 ? "" : response.substring(split + 4);
            return new Answer(status, dechunk(response, content));
        }
    }

    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        try {
            while ((n = in.read(buffer)) >= 0) {
                bytes.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after the answer arrived
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The body of a chunked answer, when it is one. */
    private static String dechunk(String response, String content) {
        if (!response.toLowerCase().contains("transfer-encoding: chunked")) {
            return content;
        }
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < content.length()) {
            int eol = content.indexOf("\r\n", at);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(content.substring(at, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(content, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
