package dev.onebox;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * Imports that would run back up between packages fail the build. Each rule reads the compiled
 * app (not the tests), so it holds for what ships; a rule that matched no class would fail too
 * (ArchUnit's default), so a moved package cannot make one pass for nothing.
 */
class ArchitectureTest {

    private static JavaClasses app;

    @BeforeAll
    static void importApp() {
        app = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.onebox");
    }

    @Test
    void theRuntimeKnowsNothingOfHttp() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runtime..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.onebox.web..", "io.micronaut.http..")
                .because("HTTP statuses and JSON errors are chosen at the web edge (web.RuntimeErrors); the runtime throws EngineExceptions");
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
                        "dev.onebox.secrets..", "dev.onebox.kv..", "dev.onebox.d1..", "dev.onebox.auth..", "dev.onebox.jobs..")
                .because("scripts, cron, secrets, KV and D1 call the runtime or plug into it through its interfaces (ScriptEnv, KvBinding, D1Binding)");
        rule.check(app);
    }

    @Test
    void theChannelContractStandsAlone() {
        ArchRule rule = noClasses().that().resideInAPackage("dev.onebox.runtime.channel..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.onebox", "dev.onebox.runtime", "dev.onebox.runtime.docker..",
                        "dev.onebox.runtime.process..", "dev.onebox.runs..", "dev.onebox.web..", "io.micronaut.http..")
                .because("the channel's frames and codec mirror PROTOCOL.md and are read (and tested) on their own");
        rule.check(app);
    }
}
