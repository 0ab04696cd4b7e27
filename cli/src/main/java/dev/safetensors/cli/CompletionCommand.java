package dev.safetensors.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors completion}: the shell completion script picocli generates from the commands themselves. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the completion script for bash or zsh, which completes commands, options and values.",
                "",
                "The script is generated from the commands themselves, so it always matches this version.",
                "Load it from your shell's start-up file, as the examples show; a new shell then completes",
                "'safetensors con<TAB>' to 'safetensors convert'."},
        footerHeading = "%nExamples:%n",
        footer = {"  # bash, for every new shell:",
                "  echo 'source <(safetensors completion bash)' >> ~/.bashrc",
                "  # zsh, for every new shell:",
                "  echo 'source <(safetensors completion zsh)' >> ~/.zshrc"})
final class CompletionCommand implements Callable<Integer> {
    /** The shells the script works in. */
    enum Shell { BASH, ZSH }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("safetensors", spec.root().commandLine());
        if (shell == Shell.ZSH) {
            // picocli's script is a bash one that zsh runs through its bash compatibility layer.
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
