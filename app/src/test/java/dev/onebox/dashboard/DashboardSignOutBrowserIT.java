package dev.onebox.dashboard;

import dev.onebox.testing.Browser;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signing out of the dashboard and the sign-in limit, in headless Chromium. An app of its own:
 * the limit locks the browser's address out of sign-in, which would stop every other dashboard
 * test that signs in after it ({@link DashboardBrowserIT}).
 */
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardSignOutBrowserIT implements TestPropertyProvider {

    private static final String PASSWORD = "browser-test-password-42";
    private static final String TOKEN = "browser-test-token-0123456789";

    @Inject
    EmbeddedServer server;

    private ChromeDriver browser;
    private WebDriverWait wait;
    private String base;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD);
    }

    @BeforeAll
    void startBrowser() {
        base = server.getURL().toString();
        browser = Browser.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void signingOutEndsTheSessionAndRepeatedWrongPasswordsAreSlowedDown() {
        browser.get(base + "/ui");
        wait.until(ExpectedConditions.urlContains("/ui/login"));
        signIn(PASSWORD);
        wait.until(d -> !d.getCurrentUrl().contains("/ui/login"));
        browser.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.urlContains("/ui/login"));
        browser.get(base + "/ui/secrets");
        wait.until(ExpectedConditions.urlContains("/ui/login"));

        for (int i = 0; i < 5; i++) {
            signIn("wrong-" + i);
            assertThat(text("#login-error")).isEqualTo("The user name or the password is not right.");
        }
        signIn(PASSWORD);
        assertThat(text("#login-error")).startsWith("Too many failed sign-ins. Try again in");
        Browser.screenshot(browser, "12-rate-limited");
    }

    private void signIn(String password) {
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("password")));
        WebElement field = browser.findElement(By.id("password"));
        field.clear();
        field.sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
        wait.until(d -> !d.getCurrentUrl().contains("/ui/login") || !d.findElements(By.id("login-error")).isEmpty());
    }

    private String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText().strip();
    }
}
