package dev.safetensors.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;

/** {@code safetensors completion}: the shell completion script picocli generates from the commands themselves. */
final class CompletionCommand implements Callable<Integer> {
    /** The shells the script works in. */
    enum Shell { BASH, ZSH }

    final CommandSpec spec;
    Shell shell;

    CompletionCommand() {
        spec = CommandModel.command("completion", this, new String[] {
                "Print the completion script for bash or zsh, which completes commands, options and values.",
                "",
                "The script is generated from the commands themselves, so it always matches this version.",
                "Load it from your shell's start-up file, as the examples show; a new shell then completes",
                "'safetensors con<TAB>' to 'safetensors convert'."},
                "  # bash, for every new shell:",
                "  echo 'source <(safetensors completion bash)' >> ~/.bashrc",
                "  # zsh, for every new shell:",
                "  echo 'source <(safetensors completion zsh)' >> ~/.zshrc");
        spec.addPositional(CommandModel.positional(0, "SHELL", Shell.class, () -> shell, v -> shell = v)
                .description("bash or zsh").build());
    }

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
