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
import picocli.CommandLine.Model.CommandSpec;

/** {@code safetensors download}: a repository, folder or file from the Hub into its cache (or a folder). */
final class DownloadCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String repo;
    String revision;
    String repoType = "model";
    List<String> include = new ArrayList<>();
    List<String> exclude = new ArrayList<>();
    Path localDir;
    int maxWorkers = 8;

    DownloadCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("download", this, new String[] {
                "Download a repository, folder or file from the Hugging Face Hub.",
                "",
                "Files go into the cache the Python tools share (HF_HUB_CACHE, else $HF_HOME/hub, else",
                "~/.cache/huggingface/hub), or into --local-dir. Files already there are not fetched again, and an",
                "interrupted download resumes. Prints where the files are; a progress bar shows on a terminal. The",
                "token comes from HF_TOKEN or the token file; HF_ENDPOINT names another Hub, and HF_HUB_OFFLINE=1",
                "only looks in the cache."},
                "  safetensors download openai-community/gpt2 --include '*.safetensors' --include '*.json'",
                "  safetensors download hf://openai-community/gpt2/config.json --local-dir gpt2/",
                "  safetensors download hf://datasets/org/name@v1.0");
        spec.addPositional(CommandModel.positional(0, "REPO", String.class, () -> repo, v -> repo = v)
                .description("org/name, or hf://[datasets/|spaces/]org/name[@REVISION][/PATH] for a folder or a "
                        + "file").build());
        spec.addOption(CommandModel.option("--revision", "R", String.class, () -> revision, v -> revision = v)
                .description("a branch, tag or commit (default: main)").build());
        spec.addOption(CommandModel.option("--repo-type", "TYPE", String.class, () -> repoType, v -> repoType = v)
                .description("model (default), dataset or space, for org/name").build());
        spec.addOption(CommandModel.repeatable("--include", "GLOB", String.class, () -> include, v -> include = v)
                .description("only paths matching one of these (e.g. \"*.safetensors\")").build());
        spec.addOption(CommandModel.repeatable("--exclude", "GLOB", String.class, () -> exclude, v -> exclude = v)
                .description("no paths matching these (e.g. \"original/\")").build());
        spec.addOption(CommandModel.option("--local-dir", "DIR", Path.class, () -> localDir, v -> localDir = v)
                .description("put the files in DIR/PATH instead of the cache").build());
        spec.addOption(CommandModel.option("--max-workers", "N", int.class, () -> maxWorkers, v -> maxWorkers = v)
                .description("requests in flight at once (default: 8)").build());
    }

    @Override
    public Integer call() {
        HfUri uri = target();
        DownloadListener progress = new DownloadProgress(main.progress("download", 0, Progress.Unit.BYTES));
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
