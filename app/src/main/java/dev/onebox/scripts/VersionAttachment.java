package dev.onebox.scripts;

/**
 * What a deploy stores with a new version besides its source (a project's files, its assets),
 * in the version's own transaction and before its build is queued.
 */
@FunctionalInterface
public interface VersionAttachment {

    VersionAttachment NONE = (versionId, script, version) -> { };

    void attach(long versionId, String script, int version);
}
