package dev.onebox.runtime;

/** A script version as the runtime needs it: what to build and how to run it. */
public record ScriptCode(String script, int version, String source, ScriptSettings settings) {

    public String key() {
        return script + "@" + version;
    }
}
