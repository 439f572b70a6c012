package dev.onebox.projects;

import dev.onebox.scripts.ProjectDeployView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.security.annotation.Secured;
import io.micronaut.security.rules.SecurityRule;

import java.io.InputStream;

/**
 * {@code POST /api/v1/deploy}: a .tar.gz of a Workers project folder, deployed as the script its
 * wrangler config names ({@code ?name=} overrides), a new version as {@code POST /api/v1/scripts}.
 */
@Controller("/api/v1/deploy")
@Secured(SecurityRule.IS_AUTHENTICATED)
@ExecuteOn(TaskExecutors.BLOCKING)
class DeployController {

    private final ProjectDeployService projects;

    DeployController(ProjectDeployService projects) {
        this.projects = projects;
    }

    @Post(consumes = {"application/gzip", "application/x-gzip", "application/x-tar+gzip"})
    HttpResponse<ProjectDeployView> deploy(@Body InputStream archive, @Nullable @QueryValue String name,
                                           @QueryValue(defaultValue = "false") boolean wait) {
        return projects.deploy(archive, name, wait);
    }
}
