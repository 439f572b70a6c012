package dev.onebox.scripts;

import dev.onebox.runtime.EngineException;
import dev.onebox.http.ApiException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Deploys for other features (a project folder): the same versions, builds and answers as
 * {@code POST /api/v1/scripts}, with the script view and the deploy's warnings in the answer.
 */
@Singleton
public class ScriptDeploys {

    private static final Duration WAIT_LIMIT = Duration.ofMinutes(5);

    private final ScriptService scripts;

    ScriptDeploys(ScriptService scripts) {
        this.scripts = scripts;
    }

    /**
     * Without {@code wait}: 202 while it builds. With it: 201 (new script) or 200 once the version
     * serves, or a 400 naming why it failed.
     */
    public HttpResponse<ProjectDeployView> deploy(ProjectDeploy project, boolean wait) {
        ScriptService.Deploy deploy = scripts.deployProject(project);
        String name = scripts.nameOf(deploy.version());
        HttpStatus done = deploy.version().version() == 1 ? HttpStatus.CREATED : HttpStatus.OK;
        if (!wait) {
            return answer(HttpStatus.ACCEPTED, name, project);
        }
        ScriptVersion outcome;
        try {
            outcome = deploy.outcome().get(WAIT_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return answer(HttpStatus.ACCEPTED, name, project);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException || e.getCause() instanceof EngineException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (ScriptVersion.FAILED.equals(outcome.status())) {
            throw ApiException.badRequest("deploy_failed", "Version " + outcome.version() + " of '" + name + "' failed: " + outcome.error());
        }
        return answer(done, name, project);
    }

    private HttpResponse<ProjectDeployView> answer(HttpStatus status, String name, ProjectDeploy project) {
        return HttpResponse.<ProjectDeployView>status(status).body(new ProjectDeployView(scripts.view(scripts.find(name), false),
                project.warnings()));
    }
}
