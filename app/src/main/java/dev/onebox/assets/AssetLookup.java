package dev.onebox.assets;

import java.util.Optional;

/**
 * Which asset a path names, as Workers Static Assets decide it: {@code html_handling} maps
 * pretty URLs to {@code .html} files and redirects (307) the other spellings to the canonical
 * one; {@code not_found_handling} picks what a miss gets. A redirect is made only when its
 * destination is not itself a file, so no file is ever hidden behind one.
 */
final class AssetLookup {

    sealed interface Outcome permits Serve, Redirect, Miss {
    }

    /** Serve this file with this status. */
    record Serve(AssetIndex.Entry entry, int status) implements Outcome {
    }

    /** Send the client to this path (relative to the script's root). */
    record Redirect(String path) implements Outcome {
    }

    record Miss() implements Outcome {
    }

    private static final Miss MISS = new Miss();

    private final AssetIndex index;

    AssetLookup(AssetIndex index) {
        this.index = index;
    }

    /** {@code path}: a decoded, checked request path ({@link AssetPath#ofRequest}). */
    Outcome find(String path, HtmlHandling html) {
        Outcome found = switch (html) {
            case AUTO_TRAILING_SLASH -> auto(path);
            case FORCE_TRAILING_SLASH -> force(path);
            case DROP_TRAILING_SLASH -> drop(path);
            case NONE -> null;
        };
        if (found != null) {
            return found;
        }
        Optional<Serve> exact = serve(path, 200);
        return exact.isPresent() ? exact.get() : MISS;
    }

    /** What a miss gets from the assets themselves, if anything. */
    Optional<Serve> notFound(String path, NotFoundHandling handling) {
        return switch (handling) {
            case SINGLE_PAGE_APPLICATION -> serve("/index.html", 200);
            case PAGE_404 -> nearest404(path);
            case NONE -> Optional.empty();
        };
    }

    private Optional<Serve> nearest404(String path) {
        String dir = path.substring(0, path.lastIndexOf('/') + 1);
        while (true) {
            Optional<Serve> page = serve(dir + "404.html", 404);
            if (page.isPresent() || dir.equals("/")) {
                return page;
            }
            dir = dir.substring(0, dir.lastIndexOf('/', dir.length() - 2) + 1);
        }
    }

    private Outcome auto(String path) {
        if (path.equals("/")) {
            return first(serve("/index.html"));
        }
        if (path.endsWith("/index")) {
            String dir = cut(path, "index");
            return first(serve(path), redirect(path + ".html", dir), redirect(cut(path, "/index") + ".html", cut(path, "/index")));
        }
        if (path.endsWith("/index.html")) {
            return first(redirect(path, cut(path, "index.html")), redirect(cut(path, "/index.html") + ".html", cut(path, "/index.html")));
        }
        if (path.endsWith(".html")) {
            String base = cut(path, ".html");
            return first(redirect(path, base), redirect(base + "/index.html", base + "/"));
        }
        if (path.endsWith("/")) {
            String bare = cut(path, "/");
            return first(serve(path + "index.html"), redirect(bare + ".html", bare));
        }
        return first(serve(path + ".html"), redirect(path + "/index.html", path + "/"));
    }

    private Outcome force(String path) {
        if (path.equals("/")) {
            return first(serve("/index.html"));
        }
        if (path.endsWith("/index")) {
            String dir = cut(path, "index");
            return first(serve(path), redirect(path + ".html", dir), redirect(cut(path, "/index") + ".html", dir));
        }
        if (path.endsWith("/index.html")) {
            String dir = cut(path, "index.html");
            return first(redirect(path, dir), redirect(cut(path, "/index.html") + ".html", dir));
        }
        if (path.endsWith(".html")) {
            String base = cut(path, ".html");
            return first(redirect(path, base + "/"), redirect(base + "/index.html", base + "/"));
        }
        if (path.endsWith("/")) {
            return first(serve(path + "index.html"), serve(cut(path, "/") + ".html"));
        }
        return first(redirect(path + ".html", path + "/"), redirect(path + "/index.html", path + "/"));
    }

    private Outcome drop(String path) {
        if (path.equals("/")) {
            return first(serve("/index.html"));
        }
        if (path.endsWith("/index")) {
            String bare = orRoot(cut(path, "/index"));
            return first(serve(path), redirect(path + ".html", bare), redirect(cut(path, "/index") + ".html", bare));
        }
        if (path.endsWith("/index.html")) {
            String bare = orRoot(cut(path, "/index.html"));
            return first(redirect(path, bare), redirect(cut(path, "/index.html") + ".html", bare));
        }
        if (path.endsWith(".html")) {
            String base = cut(path, ".html");
            return first(redirect(path, base), redirect(base + "/index.html", base));
        }
        if (path.endsWith("/")) {
            String bare = cut(path, "/");
            return first(redirect(bare + ".html", bare), redirect(path + "index.html", bare));
        }
        return first(serve(path + ".html"), serve(path + "/index.html"));
    }

    @SafeVarargs
    private static Outcome first(Optional<? extends Outcome>... candidates) {
        for (Optional<? extends Outcome> candidate : candidates) {
            if (candidate.isPresent()) {
                return candidate.get();
            }
        }
        return null;
    }

    private Optional<Serve> serve(String path) {
        return serve(path, 200);
    }

    private Optional<Serve> serve(String path, int status) {
        return index.find(path).map(entry -> new Serve(entry, status));
    }

    /** A redirect to {@code destination} when {@code file} exists and the destination is no file of its own. */
    private Optional<Redirect> redirect(String file, String destination) {
        if (file.equals(".html") || file.equals("/.html") || destination.isEmpty()) {
            return Optional.empty();
        }
        return index.exists(file) && !index.exists(destination) ? Optional.of(new Redirect(destination)) : Optional.empty();
    }

    private static String cut(String path, String suffix) {
        return path.substring(0, path.length() - suffix.length());
    }

    private static String orRoot(String path) {
        return path.isEmpty() ? "/" : path;
    }
}
