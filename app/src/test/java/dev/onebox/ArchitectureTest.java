package dev.onebox;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Imports that would run back up between packages fail the build (ARCHITECTURE.md, Layers). Each
 * rule reads the compiled app (not the tests), so it holds for what ships; a rule that matched no
 * class would fail too (ArchUnit's default), so a moved package cannot make one pass for nothing.
 */
class ArchitectureTest {

    /** Every feature package: what the shared layers below must never import. */
    private static final String[] FEATURES = {"dev.onebox.auth..", "dev.onebox.scripts..", "dev.onebox.runs..",
            "dev.onebox.runtime..", "dev.onebox.secrets..", "dev.onebox.schedule..", "dev.onebox.kv..", "dev.onebox.cache..",
            "dev.onebox.health..", "dev.onebox.origin..", "dev.onebox.demo..", "dev.onebox.dashboard..", "dev.onebox.observe..",
            "dev.onebox.triggers..", "dev.onebox.queues..", "dev.onebox.d1..", "dev.onebox.projects..", "dev.onebox.assets..", "dev.onebox.tail..", "dev.onebox.home.."};

    private static JavaClasses app;

    @BeforeAll
    static void importApp() {
        app = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.onebox");
    }

    @Test
    void noTwoFeaturesImportEachOther() {
        ArchRule rule = slices().matching("dev.onebox.(*)..").should().beFreeOfCycles()
                .because("a cycle between two packages means neither can be read, changed or tested without the other");
        rule.check(app);
    }

    @Test
    void platformImportsNoFeature() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.platform..")
                .should().dependOnClassesThat().resideInAnyPackage(with(FEATURES, "dev.onebox.http.."))
                .because("SQLite, write batching, the job queue and the small utilities are the floor every feature stands on");
        rule.check(app);
    }

    @Test
    void httpImportsNoFeature() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.http..")
                .should().dependOnClassesThat().resideInAnyPackage(FEATURES)
                .because("error shapes, limits and addresses are shared by every feature; a feature's own errors reach "
                        + "them through ErrorCodeSource");
        rule.check(app);
    }

    @Test
    void theDashboardsSharedPartsImportOnlyAuthAndTheLayersBelow() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.dashboard")
                .should().dependOnClassesThat().resideInAnyPackage(without(FEATURES, "dev.onebox.auth..", "dev.onebox.dashboard.."))
                .because("every feature's pages use the layout, session and CSRF; only the home page (package home) "
                        + "looks at the features");
        rule.check(app);
    }

    @Test
    void nothingImportsTheHomePage() {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.onebox.home..")
                .should().dependOnClassesThat().resideInAPackage("dev.onebox.home..")
                .because("the home page sums up the features and sits above all of them");
        rule.check(app);
    }

    @Test
    void theRuntimeKnowsNothingOfHttp() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runtime..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.onebox.http..", "dev.onebox.dashboard..", "io.micronaut.http..")
                .because("HTTP statuses and JSON errors are chosen at the web edge (scripts.RuntimeErrors); the runtime throws EngineExceptions");
        rule.check(app);
    }

    @Test
    void runsDoNotReachIntoTheRuntime() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runs..")
                .should().dependOnClassesThat().resideInAPackage("dev.onebox.runtime..")
                .because("the runtime reports runs through the ports runs owns (RunListener, RunReport, RunNotes)");
        rule.check(app);
    }

    @Test
    void theRuntimeDoesNotDependOnTheFeaturesThatCallIt() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runtime..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.onebox.scripts..", "dev.onebox.schedule..",
                        "dev.onebox.secrets..", "dev.onebox.kv..", "dev.onebox.d1..", "dev.onebox.queues..", "dev.onebox.assets..",
                        "dev.onebox.triggers..", "dev.onebox.projects..", "dev.onebox.auth..")
                .because("scripts, triggers, secrets and the bindings call the runtime or plug into it through its interfaces "
                        + "(ScriptEnv, KvBinding, D1Binding, QueueBinding, AssetsBinding)");
        rule.check(app);
    }

    @Test
    void theChannelContractStandsAlone() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runtime.channel..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.onebox", "dev.onebox.runtime", "dev.onebox.runtime.docker..",
                        "dev.onebox.runtime.process..", "dev.onebox.runs..", "dev.onebox.http..", "io.micronaut.http..")
                .because("the channel's frames and codec mirror PROTOCOL.md and are read (and tested) on their own");
        rule.check(app);
    }

    private static String[] with(String[] packages, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(packages), java.util.Arrays.stream(more)).toArray(String[]::new);
    }

    private static String[] without(String[] packages, String... less) {
        java.util.List<String> removed = java.util.List.of(less);
        return java.util.Arrays.stream(packages).filter(p -> !removed.contains(p)).toArray(String[]::new);
    }
}
