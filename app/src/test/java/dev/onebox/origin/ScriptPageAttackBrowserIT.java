package dev.onebox.origin;

import dev.onebox.testing.Api;
import dev.onebox.testing.Browser;
import dev.onebox.testing.Http;
import dev.onebox.testing.Json;
import dev.onebox.testing.TestApp;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployed script (in a real Docker sandbox) serves a page that attacks the signed-in admin who
 * opens it in a real browser (headless Chromium): it reads {@code /ui/account} for the CSRF
 * token, mints an API token with it, tries the page in a frame, and registers a service worker
 * over the whole origin with {@code Service-Worker-Allowed: /}. Nothing works: no token is
 * minted and no service worker exists on the dashboard's origin, whether the page is opened on
 * the main origin ({@code 127.0.0.1}, sandboxed by its policy) or on the run origin
 * ({@code localhost}, another origin). Both are secure contexts, where service workers register.
 */
@Tag("attack")
@MicronautTest(transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScriptPageAttackBrowserIT implements TestPropertyProvider {

    private static final String PASSWORD = "attack-test-password-42";
    private static final String TOKEN = "attack-test-token-0123456789";
    private static final String EVIL = """
            const PAGE = `<!doctype html><html><head><title>evil</title></head><body><p id="status">running</p>
            <iframe id="frame" src="/ui/account"></iframe>
            <script>
            (async () => {
              const out = {};
              try {
                const page = await fetch('/ui/account', { credentials: 'include' });
                const html = await page.text();
                out.account = page.status;
                const csrf = html.match(/name="csrf-token" content="([^"]+)"/);
                out.csrf = !!csrf;
                const mint = await fetch('/ui/account/tokens', { method: 'POST', credentials: 'include',
                  headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': csrf ? csrf[1] : 'none' },
                  body: 'name=stolen' + (csrf ? '&_csrf=' + encodeURIComponent(csrf[1]) : '') });
                out.mint = mint.status;
              } catch (e) { out.fetchError = String(e); }
              try {
                out.cookie = document.cookie;
              } catch (e) { out.cookieError = String(e); }
              try {
                const registration = await navigator.serviceWorker.register('/run/evil/sw.js', { scope: '/' });
                out.worker = registration.scope;
              } catch (e) { out.workerError = String(e); }
              try {
                out.frame = document.getElementById('frame').contentDocument.body.innerHTML.length;
              } catch (e) { out.frameError = String(e); }
              document.body.setAttribute('data-result', JSON.stringify(out));
              document.getElementById('status').textContent = 'done';
            })();
            </script></body></html>`;
            export default {
              fetch(request) {
                const url = new URL(request.url);
                if (url.pathname === '/sw.js') {
                  return new Response("self.addEventListener('fetch', () => {});",
                    { headers: { 'content-type': 'text/javascript', 'service-worker-allowed': '/' } });
                }
                return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8', 'service-worker-allowed': '/' } });
              },
            };""";

    private final int port = freePort();

    @Inject
    EmbeddedServer server;

    private ChromeDriver browser;
    private WebDriverWait wait;
    private String main;
    private Api api;

    @Override
    public Map<String, String> getProperties() {
        return TestApp.withDocker(TOKEN, "onebox.admin-password", PASSWORD, "micronaut.server.port", Integer.toString(port),
                "onebox.run-origin", "http://localhost");
    }

    @BeforeAll
    void deployAndSignIn() {
        main = "http://127.0.0.1:" + port;
        api = new Api(new Http(main), TOKEN);
        assertThat(api.deploy("evil", EVIL).statusCode()).isEqualTo(201);
        browser = Browser.start();
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get(main + "/ui/login");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.urlToBe(main + "/ui"));
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aScriptPageOnTheMainOriginCannotMintATokenOrRegisterAServiceWorker() {
        int tokensBefore = tokenCount();
        Map<String, Object> result = attack(main + "/run/evil/");
        assertThat(result).doesNotContainKey("worker").containsKey("workerError").doesNotContainKeys("mint", "csrf", "frame")
                .containsKeys("fetchError", "frameError").as("the page is an opaque origin, the dashboard is not its own");
        assertThat(result).containsKey("cookieError");
        assertThat(tokenCount()).isEqualTo(tokensBefore);
        assertThat(serviceWorkersOn(main + "/ui")).isZero();
        Browser.screenshot(browser, "attack-main-origin");
    }

    @Test
    void aScriptPageOnTheRunOriginCannotReachTheDashboard() {
        int tokensBefore = tokenCount();
        Map<String, Object> result = attack("http://localhost:" + port + "/run/evil/");
        assertThat(String.valueOf(result.get("account"))).isEqualTo("404");
        assertThat(String.valueOf(result.get("mint"))).isEqualTo("404");
        assertThat(result).containsEntry("csrf", false);
        // The run origin is the script's own: its worker registers there, and only there.
        assertThat(String.valueOf(result.get("worker"))).isEqualTo("http://localhost:" + port + "/");
        assertThat(tokenCount()).isEqualTo(tokensBefore);
        assertThat(serviceWorkersOn(main + "/ui")).as("nothing registered on the dashboard's origin").isZero();
    }

    /** Opens the page as the signed-in admin and returns what its script reported. */
    private Map<String, Object> attack(String url) {
        browser.get(url);
        wait.until(ExpectedConditions.textToBe(By.id("status"), "done"));
        WebElement body = browser.findElement(By.tagName("body"));
        Map<String, Object> result = Json.object(body.getAttribute("data-result"));
        assertThat(result).as("the script's page ran its code").isNotEmpty();
        return result;
    }

    private long serviceWorkersOn(String page) {
        browser.get(page);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("main")));
        Object count = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                navigator.serviceWorker.getRegistrations().then(r => done(r.length), e => done(String(e)));""");
        assertThat(count).isInstanceOf(Long.class);
        return (Long) count;
    }

    private int tokenCount() {
        return Json.array(api.get("/api/v1/tokens").body()).size();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
