package dev.onebox.cli;

/** A failure to tell the user in one sentence, with the exit code it ends the command with. */
final class CliException extends RuntimeException {

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(Exit.USAGE, message);
    }

    static CliException failed(String message) {
        return new CliException(Exit.FAILED, message);
    }

    int exitCode() {
        return exitCode;
    }
}
