package dev.onebox.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The archive `onebox deploy` sends, read back by GNU tar: what goes in, what stays out, nothing from outside the folder. */
class ProjectArchiveTest {

    @TempDir
    Path temp;

    @Test
    void packsTheProjectsFilesByRelativeNameAndLeavesDependenciesAndToolFoldersOut() throws Exception {
        Path project = Files.createDirectories(temp.resolve("project"));
        write(project, "wrangler.toml", "name = \"hello\"\nmain = \"src/index.ts\"\n");
        write(project, "package.json", "{}");
        write(project, "src/index.ts", "export default { fetch() { return new Response('hi') } }");
        write(project, "src/routes/users.ts", "export const users = [];");
        write(project, "node_modules/hono/index.js", "module.exports = {}");
        write(project, "packages/inner/node_modules/x/index.js", "nested dependencies stay out too");
        write(project, ".git/HEAD", "ref: refs/heads/main");
        write(project, ".wrangler/state/v3/d1/db.sqlite", "local state");
        write(project, "public/.well-known/security.txt", "dot folders other than those three are kept");
        String longName = "src/" + "deeply-nested-folder/".repeat(6) + "with-a-name-longer-than-a-hundred-bytes.ts";
        write(project, longName, "export const deep = true;");
        Files.setPosixFilePermissions(write(project, "scripts/build.sh", "#!/bin/sh\n"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        List<String> warnings = new ArrayList<>();
        Path archive = temp.resolve("project.tar.gz");
        ProjectArchive.Packed packed;
        try (OutputStream out = Files.newOutputStream(archive)) {
            packed = ProjectArchive.write(project, out, ProjectArchive.MAX_PACKED_BYTES, warnings::add);
        }

        assertThat(tar("-tzf", archive.toString())).containsExactly(
                "package.json", "public/.well-known/security.txt", "scripts/build.sh", longName,
                "src/index.ts", "src/routes/users.ts", "wrangler.toml");
        assertThat(packed.files()).isEqualTo(7);
        assertThat(packed.bytes()).isEqualTo(Files.size(archive));
        assertThat(warnings).isEmpty();
        Path out = Files.createDirectories(temp.resolve("out"));
        tar("-xzf", archive.toString(), "-C", out.toString());
        assertThat(Files.readString(out.resolve("src/index.ts"))).contains("new Response('hi')");
        assertThat(Files.readString(out.resolve(longName))).isEqualTo("export const deep = true;");
        assertThat(Files.isExecutable(out.resolve("scripts/build.sh"))).as("the executable bit survives").isTrue();
        assertThat(Files.isExecutable(out.resolve("package.json"))).isFalse();
    }

    @Test
    void aLinkIsPackedAsItsFileOnlyWhenThatFileIsInsideTheFolder() throws Exception {
        Path project = Files.createDirectories(temp.resolve("project"));
        Path outside = write(temp, "secret-outside.txt", "ssh key material");
        Path outsideDir = Files.createDirectories(temp.resolve("outside-dir"));
        write(outsideDir, "id_rsa", "more key material");
        write(project, "src/index.js", "export default {}");
        Files.createSymbolicLink(project.resolve("src/alias.js"), Path.of("index.js"));
        Files.createSymbolicLink(project.resolve("leak.txt"), outside);
        Files.createSymbolicLink(project.resolve("relative-leak.txt"), Path.of("../secret-outside.txt"));
        Files.createSymbolicLink(project.resolve("leak-dir"), outsideDir);
        Files.createSymbolicLink(project.resolve("src-again"), Path.of("src"));
        Files.createSymbolicLink(project.resolve("dangling.js"), Path.of("missing.js"));

        List<String> warnings = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProjectArchive.write(project, bytes, ProjectArchive.MAX_PACKED_BYTES, warnings::add);
        Path archive = Files.write(temp.resolve("links.tar.gz"), bytes.toByteArray());

        assertThat(tar("-tvzf", archive.toString())).as("regular files only: no link entries")
                .allMatch(line -> line.startsWith("-"));
        assertThat(tar("-tzf", archive.toString())).containsExactly("src/alias.js", "src/index.js");
        Path out = Files.createDirectories(temp.resolve("out"));
        tar("-xzf", archive.toString(), "-C", out.toString());
        assertThat(Files.readString(out.resolve("src/alias.js"))).isEqualTo("export default {}");
        assertThat(new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain("key material");
        assertThat(warnings).hasSize(5).anyMatch(w -> w.startsWith("skipped leak.txt: a link out of the folder"))
                .anyMatch(w -> w.startsWith("skipped relative-leak.txt: a link out of the folder"))
                .anyMatch(w -> w.startsWith("skipped leak-dir: a link out of the folder"))
                .anyMatch(w -> w.startsWith("skipped src-again: a link to a folder"))
                .anyMatch(w -> w.startsWith("skipped dangling.js: a link to nothing"));
    }

    @Test
    void packingStopsAtTheServersLimit() throws Exception {
        Path project = Files.createDirectories(temp.resolve("project"));
        byte[] noise = new byte[300 * 1024];
        new java.util.Random(7).nextBytes(noise); // random bytes do not compress
        Files.write(project.resolve("big.bin"), noise);

        assertThatThrownBy(() -> ProjectArchive.write(project, OutputStream.nullOutputStream(), 100 * 1024, w -> { }))
                .isInstanceOf(ProjectArchive.TooLargeException.class);
    }

    @Test
    void tarNamesMustBePlainRelativeNames() {
        for (String bad : List.of("/etc/passwd", "../up", "a/../../b", "a//b", "./a", "a\\b", "")) {
            assertThatThrownBy(() -> TarWriter.checkName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        TarWriter.checkName("src/index.ts");
    }

    private static Path write(Path root, String name, String text) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** GNU tar, as the user's machine would read the archive; fails the test when tar does. */
    private static List<String> tar(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tar"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("tar %s: %s", command, output).isZero();
        return output.lines().toList();
    }
}
