package dev.onebox.cli;

/** The exit codes of {@code onebox}, for scripts and CI jobs that call it. */
final class Exit {

    static final int OK = 0;
    /** The server answered with an error, or what was asked failed (a build, a run). */
    static final int FAILED = 1;
    /** A bad command line, or no server address or token to use (picocli's own code for usage errors). */
    static final int USAGE = 2;
    /** No answer from the server: wrong address, server down, network. */
    static final int UNREACHABLE = 3;

    private Exit() {
    }
}
