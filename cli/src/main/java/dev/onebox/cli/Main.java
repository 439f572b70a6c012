package dev.onebox.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * {@code onebox}: the command line client of a onebox server. Talks to its API with
 * {@code ONEBOX_URL} and {@code ONEBOX_TOKEN} (or {@code --url} and {@code --token}). Exit codes:
 * see {@link Exit}.
 */
@Command(name = "onebox", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Deploy, follow and manage scripts on a onebox server.",
        subcommands = {DeployCommand.class, TailCommand.class, SecretCommand.class, D1Command.class,
                ScriptsCommand.class, RunsCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the server refused or the action failed (the reason is printed)",
                "2:bad command line or missing ONEBOX_URL / ONEBOX_TOKEN", "3:the server could not be reached"})
public final class Main implements Runnable {

    private final Terminal terminal;

    Main(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public void run() {
        terminal.out().print(new CommandLine(this).getUsageMessage());
    }

    public static void main(String[] args) {
        System.exit(run(args, new Terminal(System.getenv(), System.in, System.out, System.err, System.console() != null)));
    }

    /** Runs one command line; answers the exit code. */
    static int run(String[] args, Terminal terminal) {
        CommandLine line = new CommandLine(new Main(terminal), new Factory(terminal));
        line.setOut(new java.io.PrintWriter(terminal.out(), true));
        line.setErr(new java.io.PrintWriter(terminal.err(), true));
        line.setExecutionExceptionHandler((failure, command, parsed) -> {
            if (failure instanceof CliException known) {
                terminal.err().println("onebox: " + known.getMessage());
                return known.exitCode();
            }
            terminal.err().println("onebox: " + failure);
            return Exit.FAILED;
        });
        return line.execute(args);
    }

    /** Where a command reads and writes, and the environment it sees: tests give their own. */
    record Terminal(Map<String, String> env, InputStream in, PrintStream out, PrintStream err, boolean interactive) {
    }

    /** Gives commands that take a {@link Terminal} theirs. */
    private record Factory(Terminal terminal) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            try {
                var constructor = type.getDeclaredConstructor(Terminal.class);
                constructor.setAccessible(true);
                return constructor.newInstance(terminal);
            } catch (NoSuchMethodException none) {
                return CommandLine.defaultFactory().create(type);
            }
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"onebox cli " + (version == null ? "dev" : version)};
        }
    }
}
