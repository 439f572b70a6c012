package dev.onebox.runtime;

/** An egress script would run without the rules that keep it off the box: refused, not run open. */
public final class EgressUnavailableException extends EngineException {

    public EgressUnavailableException(String reason) {
        super("Scripts with egress cannot run on this box: the egress firewall "
                + "rules are not in place (" + reason + "). Install them with egress-rules.sh install (the installer and the "
                + "Ansible role do), or deploy without \"egress\": true.");
    }
}
