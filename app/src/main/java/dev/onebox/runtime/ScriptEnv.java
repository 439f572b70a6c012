package dev.onebox.runtime;

import java.util.Map;

/** The variables a script's handlers see as {@code env.NAME}: its secrets, decrypted. */
public interface ScriptEnv {

    Map<String, String> forScript(String script);
}
