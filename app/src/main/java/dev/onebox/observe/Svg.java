package dev.onebox.observe;

import java.util.Locale;

/** A little SVG writer: every attribute and text value is escaped, numbers are written without locale. */
final class Svg {

    static final int WIDTH = 720;
    static final int HEIGHT = 160;
    static final int LEFT = 56;
    static final int RIGHT = 8;
    static final int TOP = 8;
    static final int BOTTOM = 26;

    private final StringBuilder out = new StringBuilder();

    Svg(String id, String title) {
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\" id=\"").append(escape(id)).append("\" aria-label=\"").append(escape(title)).append("\">")
                .append("<title>").append(escape(title)).append("</title>");
    }

    Svg raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Opens an element; {@code attributes} are name, value pairs. */
    Svg open(String element, Object... attributes) {
        out.append('<').append(element);
        attributes(attributes);
        out.append('>');
        return this;
    }

    Svg close(String element) {
        out.append("</").append(element).append('>');
        return this;
    }

    Svg empty(String element, Object... attributes) {
        out.append('<').append(element);
        attributes(attributes);
        out.append("/>");
        return this;
    }

    Svg text(String element, String text, Object... attributes) {
        open(element, attributes);
        out.append(escape(text));
        return close(element);
    }

    private void attributes(Object... attributes) {
        for (int i = 0; i + 1 < attributes.length; i += 2) {
            out.append(' ').append(attributes[i]).append("=\"").append(escape(format(attributes[i + 1]))).append('"');
        }
    }

    static String format(Object value) {
        if (value instanceof Double number) {
            return String.format(Locale.ROOT, "%.1f", number);
        }
        return String.valueOf(value);
    }

    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> escaped.append(c);
            }
        }
        return escaped.toString();
    }

    String end() {
        return out.append("</svg>").toString();
    }
}
