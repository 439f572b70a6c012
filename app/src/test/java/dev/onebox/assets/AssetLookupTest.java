package dev.onebox.assets;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The tables of Cloudflare's "HTML handling" and "not found handling" pages, for a dist/ with these files. */
class AssetLookupTest {

    private final AssetLookup lookup = new AssetLookup(index("index.html", "file.html", "folder/index.html", "404.html",
            "blog/404.html", "logo.svg", "both.html", "both/index.html"));

    @Test
    void autoTrailingSlashServesFilesWithoutAndFoldersWithASlash() {
        HtmlHandling auto = HtmlHandling.AUTO_TRAILING_SLASH;
        assertServes("/", auto, "index.html");
        assertRedirects("/index.html", auto, "/");
        assertRedirects("/index", auto, "/");
        assertServes("/file", auto, "file.html");
        assertRedirects("/file.html", auto, "/file");
        assertRedirects("/file/", auto, "/file");
        assertServes("/folder/", auto, "folder/index.html");
        assertRedirects("/folder", auto, "/folder/");
        assertRedirects("/folder/index.html", auto, "/folder/");
        assertRedirects("/folder/index", auto, "/folder/");
        assertServes("/logo.svg", auto, "logo.svg");
        assertThat(lookup.find("/missing", auto)).isInstanceOf(AssetLookup.Miss.class);
    }

    @Test
    void forceTrailingSlashPutsASlashOnEveryHtmlUrl() {
        HtmlHandling force = HtmlHandling.FORCE_TRAILING_SLASH;
        assertServes("/file/", force, "file.html");
        assertRedirects("/file", force, "/file/");
        assertRedirects("/file.html", force, "/file/");
        assertServes("/folder/", force, "folder/index.html");
        assertRedirects("/folder", force, "/folder/");
        assertRedirects("/folder/index.html", force, "/folder/");
        assertServes("/logo.svg", force, "logo.svg");
    }

    @Test
    void dropTrailingSlashTakesItOffEveryHtmlUrl() {
        HtmlHandling drop = HtmlHandling.DROP_TRAILING_SLASH;
        assertServes("/file", drop, "file.html");
        assertRedirects("/file/", drop, "/file");
        assertRedirects("/file.html", drop, "/file");
        assertServes("/folder", drop, "folder/index.html");
        assertRedirects("/folder/", drop, "/folder");
        assertRedirects("/folder/index.html", drop, "/folder");
        assertServes("/", drop, "index.html");
    }

    @Test
    void noneServesExactPathsOnly() {
        HtmlHandling none = HtmlHandling.NONE;
        assertServes("/file.html", none, "file.html");
        assertServes("/folder/index.html", none, "folder/index.html");
        assertThat(lookup.find("/file", none)).isInstanceOf(AssetLookup.Miss.class);
        assertThat(lookup.find("/folder/", none)).isInstanceOf(AssetLookup.Miss.class);
        assertThat(lookup.find("/", none)).isInstanceOf(AssetLookup.Miss.class);
    }

    @Test
    void aRedirectNeverHidesAFile() {
        AssetLookup withBareFile = new AssetLookup(index("page.html", "page"));
        assertServes(withBareFile, "/page.html", HtmlHandling.AUTO_TRAILING_SLASH, "page.html");
    }

    @Test
    void notFoundHandlingPicksTheNearest404PageOrTheSpaIndex() {
        assertThat(lookup.notFound("/blog/2024/gone", NotFoundHandling.PAGE_404)).get()
                .satisfies(page -> assertThat(page.entry().name()).isEqualTo("blog/404.html"))
                .satisfies(page -> assertThat(page.status()).isEqualTo(404));
        assertThat(lookup.notFound("/shop/gone", NotFoundHandling.PAGE_404)).get()
                .satisfies(page -> assertThat(page.entry().name()).isEqualTo("404.html"));
        assertThat(lookup.notFound("/app/route/7", NotFoundHandling.SINGLE_PAGE_APPLICATION)).get()
                .satisfies(page -> assertThat(page.entry().name()).isEqualTo("index.html"))
                .satisfies(page -> assertThat(page.status()).isEqualTo(200));
        assertThat(lookup.notFound("/gone", NotFoundHandling.NONE)).isEmpty();
        assertThat(new AssetLookup(index("a.txt")).notFound("/x/y", NotFoundHandling.PAGE_404)).isEmpty();
    }

    @Test
    void runWorkerFirstPatternsIncludeAndExclude() {
        AssetConfig config = new AssetConfig(null, HtmlHandling.NONE, NotFoundHandling.NONE, java.util.List.of("/api/*", "!/api/docs/*"));
        assertThat(config.workerFirst("/api/users")).isTrue();
        assertThat(config.workerFirst("/api/docs/index.html")).isFalse();
        assertThat(config.workerFirst("/index.html")).isFalse();
        assertThat(AssetConfig.DEFAULT.workerFirst("/api/users")).isFalse();
    }

    private void assertServes(String path, HtmlHandling html, String file) {
        assertServes(lookup, path, html, file);
    }

    private static void assertServes(AssetLookup lookup, String path, HtmlHandling html, String file) {
        assertThat(lookup.find(path, html)).as(path).isInstanceOfSatisfying(AssetLookup.Serve.class,
                serve -> assertThat(serve.entry().name()).isEqualTo(file));
    }

    private void assertRedirects(String path, HtmlHandling html, String location) {
        assertThat(lookup.find(path, html)).as(path).isEqualTo(new AssetLookup.Redirect(location));
    }

    static AssetIndex index(String... names) {
        Map<String, AssetIndex.Entry> files = new LinkedHashMap<>();
        for (String name : names) {
            files.put(name, new AssetIndex.Entry(name, 1, "\"" + name.hashCode() + "\""));
        }
        return new AssetIndex(1, files);
    }
}
