package dev.safetensors.cli;

import dev.safetensors.hub.DownloadListener;
import dev.safetensors.hub.DownloadOptions;
import dev.safetensors.hub.HfUri;
import dev.safetensors.hub.HubClient;
import dev.safetensors.hub.RepoType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors download}: a repository, folder or file from the Hub into its cache (or a folder). */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download from the Hugging Face Hub (HF_ENDPOINT) into the cache the Python tools share",
                "(HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), or into --local-dir.",
                "Files already there are not fetched again; an interrupted download resumes. Prints where the files are.",
                "The token comes from HF_TOKEN or the token file; HF_HUB_OFFLINE=1 only looks in the cache."})
final class DownloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "REPO",
            description = "org/name, or hf://[datasets/|spaces/]org/name[@REVISION][/PATH] for a folder or a file")
    String repo;

    @Option(names = "--revision", paramLabel = "R", description = "a branch, tag or commit (default: main)")
    String revision;

    @Option(names = "--repo-type", paramLabel = "TYPE", description = "model (default), dataset or space, for org/name")
    String repoType = "model";

    @Option(names = "--include", paramLabel = "GLOB", description = "only paths matching one of these (e.g. \"*.safetensors\")")
    List<String> include = new ArrayList<>();

    @Option(names = "--exclude", paramLabel = "GLOB", description = "no paths matching these (e.g. \"original/\")")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--local-dir", paramLabel = "DIR", description = "put the files in DIR/PATH instead of the cache")
    Path localDir;

    @Option(names = "--max-workers", paramLabel = "N", description = "requests in flight at once (default: 8)")
    int maxWorkers = 8;

    @Option(names = {"-q", "--quiet"}, description = "no progress bars (they only show on a terminal anyway)")
    boolean quiet;

    @Override
    public Integer call() {
        HfUri uri = target();
        DownloadListener progress = !quiet && TerminalProgress.onTerminal()
                ? new TerminalProgress(spec.commandLine().getErr()) : DownloadListener.none();
        DownloadOptions options = DownloadOptions.defaults().include(include.toArray(String[]::new))
                .exclude(exclude.toArray(String[]::new)).localDir(localDir).listener(progress);
        if (maxWorkers < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-workers must be at least 1");
        }
        try (HubClient hub = HubClient.builder().connections(maxWorkers).build()) {
            spec.commandLine().getOut().println(hub.download(uri, options));
        }
        return 0;
    }

    private HfUri target() {
        try {
            HfUri uri = repo.startsWith(HfUri.SCHEME_PREFIX) ? HfUri.parse(repo)
                    : HfUri.parse(HfUri.SCHEME_PREFIX + type().urlPrefix() + repo);
            return revision == null ? uri : uri.withRevision(revision);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private RepoType type() {
        return switch (repoType.toLowerCase(Locale.ROOT)) {
            case "model" -> RepoType.MODEL;
            case "dataset" -> RepoType.DATASET;
            case "space" -> RepoType.SPACE;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--repo-type must be model, dataset or space, got `" + repoType + "`");
        };
    }
}
